/**
 * The TAXII collections every node offers. They are views of the same read model, through the same egress gate:
 * a collection says which objects it holds, the gate says which of them the caller may see and how redacted.
 *
 *   - alerts:     incidents with the POP-ART public-space alert extension (drones, crowds, gunshots, ...)
 *   - indicators: STIX indicators (patterns to detect with)
 *   - all:        every object the caller may see, with the identities, marking and extension definitions
 *
 * Each page of objects also carries what its objects need to be imported whole (taxii-companions.ts).
 *
 * Anyone signed in may read; only roles that may publish may write, and only to `all` (what is posted is published
 * on the ledger, and lands in whichever collections its objects belong to).
 */
import type { Viewer } from '../../identity.js';
import { mayPublish } from '../publish/publish-service.js';
import { STIX_MEDIA_TYPE } from './taxii-http.js';

export interface TaxiiCollection {
  /** A fixed UUID, the same on every node. */
  id: string;
  alias: 'alerts' | 'indicators' | 'all';
  title: string;
  description: string;
  /** Which objects it holds. */
  types?: string[];
  alertsOnly?: boolean;
  writable: boolean;
}

export const TAXII_COLLECTIONS: readonly TaxiiCollection[] = [
  {
    id: '4f9b8a3e-2c61-4d5e-9a7b-1c0d2e3f4a01', alias: 'alerts', title: 'Public-space alerts',
    description: 'Incidents with the POP-ART public-space alert extension (category, severity, area, venue, guidance, time window), ' +
      'as this node\'s policy lets you see them; each page also carries their creators, markings and extension definitions ' +
      'and each alert as a report, a location and a note.',
    alertsOnly: true, writable: false,
  },
  {
    id: '4f9b8a3e-2c61-4d5e-9a7b-1c0d2e3f4a02', alias: 'indicators', title: 'Indicators',
    description: 'STIX indicators shared by the agencies, as this node\'s policy lets you see them.',
    types: ['indicator'], writable: false,
  },
  {
    id: '4f9b8a3e-2c61-4d5e-9a7b-1c0d2e3f4a03', alias: 'all', title: 'Everything visible to you',
    description: 'Every object this node holds that you may see (alerts, indicators, sightings, relationships, identities, ' +
      'markings); objects posted here are published on the ledger as your agency.',
    writable: true,
  },
];

/** The collection with this id (or alias), if any. */
export function collectionOf(idOrAlias: string): TaxiiCollection | undefined {
  return TAXII_COLLECTIONS.find((c) => c.id === idOrAlias || c.alias === idOrAlias);
}

export function canWrite(collection: TaxiiCollection, viewer: Viewer): boolean {
  return collection.writable && mayPublish(viewer);
}

/** The collection resource as a viewer sees it. */
export function collectionResource(collection: TaxiiCollection, viewer: Viewer): Record<string, unknown> {
  return {
    id: collection.id, title: collection.title, description: collection.description, alias: collection.alias,
    can_read: true, can_write: canWrite(collection, viewer), media_types: [STIX_MEDIA_TYPE],
  };
}
