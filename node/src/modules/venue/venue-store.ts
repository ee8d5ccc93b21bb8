/** What the venue picture reads from the read model: the venues (locations with the venue extension) and sightings. */
import { VENUE_EXTENSION_ID } from '@popart/schemas';
import type { Database } from '../../read-model/database.js';
import { rowFromDb, type DbThreatRow, type ThreatRow } from '../threat/threat-row.js';
import { COLUMNS } from '../threat/threat-store.js';

export const MAX_VENUES = 500;

export class VenueStore {
  constructor(private readonly db: Database) {}

  /** Venues this node holds, newest first (the partial index on locations). */
  async venues(): Promise<ThreatRow[]> {
    const r = await this.db.query<DbThreatRow>(
      `SELECT ${COLUMNS} FROM threat_objects WHERE type = 'location' AND revoked = false AND jsonb_exists(stix->'extensions', $1)
       ORDER BY modified_at DESC, id DESC LIMIT ${MAX_VENUES}`, [VENUE_EXTENSION_ID]);
    return r.rows.map(rowFromDb);
  }

  /** Sightings (and responses) of any of these objects. */
  async sightingsOf(ids: readonly string[]): Promise<ThreatRow[]> {
    if (ids.length === 0) return [];
    const r = await this.db.query<DbThreatRow>(`SELECT ${COLUMNS} FROM threat_objects WHERE sighting_of_ref = ANY($1::text[]) AND revoked = false`, [ids]);
    return r.rows.map(rowFromDb);
  }
}
