/**
 * A partner's MISP feed: manifest.json (event uuid → its timestamp) and one {uuid}.json per event. The events changed
 * since the cursor (the last event timestamp imported) are read oldest first, at most MAX_EVENTS_PER_RUN a run (with
 * every event of the last timestamp, so none is skipped), converted (misp-event.ts) and imported one by one; an event
 * file that is not a MISP event is refused alone.
 */
import type { ImportConfig } from '../../config/imports-config.js';
import { PartnerError, partnerGet, partnerJson } from './taxii-pull.js';

const MAX_EVENTS_PER_RUN = 50;

/** The events of the manifest changed after `since` (epoch seconds), oldest first. */
export async function dueEvents(config: ImportConfig, password: string | undefined, since: number): Promise<{ uuid: string; timestamp: number }[]> {
  const url = new URL('manifest.json', config.url.endsWith('/') ? config.url : `${config.url}/`);
  const manifest = partnerJson(url, (await partnerGet(url, config, password, 'application/json')).text);
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) throw new PartnerError(`${url.pathname} is not a MISP feed manifest (an object of events by uuid)`);
  const due = Object.entries(manifest as Record<string, { timestamp?: unknown }>)
    .map(([uuid, e]) => ({ uuid, timestamp: Number(e?.timestamp) }))
    .filter((e) => /^[0-9a-f-]{36}$/i.test(e.uuid) && Number.isFinite(e.timestamp) && e.timestamp > since)
    .sort((a, b) => a.timestamp - b.timestamp || a.uuid.localeCompare(b.uuid));
  const last = due[MAX_EVENTS_PER_RUN - 1]?.timestamp;
  return last === undefined ? due : due.filter((e) => e.timestamp <= last);
}

export async function fetchEvent(config: ImportConfig, password: string | undefined, uuid: string): Promise<unknown> {
  const url = new URL(`${uuid}.json`, config.url.endsWith('/') ? config.url : `${config.url}/`);
  return partnerJson(url, (await partnerGet(url, config, password, 'application/json')).text);
}
