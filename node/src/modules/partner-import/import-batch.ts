/**
 * What an import does with one page of a partner's objects: each object is checked on its own (valid STIX 2.1, not
 * already on the ledger in that version), given a TLP marking when it carries none (that of a report or grouping of the
 * page holding it, else the import's default), and the rest are
 * published as one bundle through PublishService (the same validation, ledger checks, outbox and audit as GraphQL
 * publishBundle) as the importing principal. When the ledger refuses the bundle because of one object, that object is
 * refused alone with the reason and the others are published again without it.
 */
import { randomUUID } from 'node:crypto';
import { CONTENT_LIMITS, describeIssue, mostRestrictiveTlp, tlpMarkingRef, tlpOf, validateObject, type StixObject, type TlpLevel } from '@popart/schemas';
import { NodeError } from '../../errors.js';
import type { Viewer } from '../../identity.js';
import type { PublishService } from '../publish/publish-service.js';
import { isReferenceData } from '../threat/closure.js';

export interface Refusal { index: number; id: string | null; reason: string }

export interface BatchResult { imported: number; queued: number; skipped: number; refused: Refusal[] }

export interface BatchDeps {
  publisher: Pick<PublishService, 'publish'>;
  /** Whether this version of the object is already on the ledger (in the read model). */
  stored: (id: string, modified: string) => Promise<boolean>;
}

/** Types that are not marked by the importer: the markings themselves and language/extension definitions. */
const UNMARKED_TYPES = new Set(['marking-definition', 'extension-definition', 'language-content']);

/** The object with the default TLP marking added when it carries no TLP marking (otherwise unchanged). */
export function withDefaultTlp(object: Record<string, unknown>, level: TlpLevel): Record<string, unknown> {
  const refs = object.object_marking_refs ?? [];
  // A malformed marking list is left as it is, for the validator to name.
  if (!Array.isArray(refs) || UNMARKED_TYPES.has(String(object.type)) || tlpOf(object as unknown as StixObject)) return object;
  return { ...object, object_marking_refs: [...refs, tlpMarkingRef(level)] };
}

/** Containers whose TLP marking covers what they hold: MISP's converter (misp-stix) marks only the event's report. */
const CONTAINER_TYPES = new Set(['report', 'grouping']);

/**
 * The TLP each unmarked object of a page inherits from the reports and groupings of the page that hold it (the most
 * restrictive when several do), so a MISP event's TLP reaches every object of the event, not only its report.
 */
export function inheritedTlp(objects: readonly unknown[]): Map<string, TlpLevel> {
  const levels = new Map<string, TlpLevel[]>();
  for (const o of objects) {
    if (!o || typeof o !== 'object' || !CONTAINER_TYPES.has(String((o as { type?: unknown }).type))) continue;
    const level = tlpOf(o as StixObject);
    const refs = (o as { object_refs?: unknown }).object_refs;
    if (!level || !Array.isArray(refs)) continue;
    for (const ref of refs) if (typeof ref === 'string') levels.set(ref, [...(levels.get(ref) ?? []), level]);
  }
  return new Map([...levels].map(([id, l]) => [id, mostRestrictiveTlp(l) as TlpLevel]));
}

function versionOf(o: Record<string, unknown>): string {
  return String(o.modified ?? o.created ?? '');
}

/** The id of the object an error of the ledger is about, when it is one of the batch's. */
function blamedId(err: NodeError, ids: ReadonlySet<string>): string | undefined {
  for (const issue of err.issues) if (issue.objectId && ids.has(issue.objectId)) return issue.objectId;
  return [...ids].find((id) => err.message.includes(id));
}

/** Splits objects into bundles within the content limits (count and bytes, with room for the envelope). */
function chunks(objects: StixObject[]): StixObject[][] {
  const out: StixObject[][] = [];
  let current: StixObject[] = [];
  let bytes = 0;
  const budget = CONTENT_LIMITS.maxBundleBytes - 1024;
  for (const o of objects) {
    const size = Buffer.byteLength(JSON.stringify(o)) + 1;
    if (current.length && (current.length >= CONTENT_LIMITS.maxBundleObjects || bytes + size > budget)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(o);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

export async function importBatch(viewer: Viewer, raw: readonly unknown[], defaultTlp: TlpLevel, deps: BatchDeps, details: Record<string, unknown>): Promise<BatchResult> {
  const result: BatchResult = { imported: 0, queued: 0, skipped: 0, refused: [] };
  const accepted: StixObject[] = [];
  const indexOf = new Map<string, number>();
  const inherited = inheritedTlp(raw);
  for (const [index, item] of raw.entries()) {
    const id = item && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'string' ? (item as { id: string }).id : null;
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      result.refused.push({ index, id, reason: 'not a JSON object' });
      continue;
    }
    const marked = withDefaultTlp(item as Record<string, unknown>, (id && inherited.get(id)) || defaultTlp);
    const checked = validateObject(marked, index, { now: new Date() });
    if (!checked.ok) {
      result.refused.push({ index, id, reason: checked.errors.map(describeIssue).join('; ') });
      continue;
    }
    if (indexOf.has(checked.value.id)) {
      result.refused.push({ index, id, reason: `${checked.value.id} appears twice in the page` });
      continue;
    }
    // Reference data every node knows (a POP-ART peer's pages carry it with their objects) is never published again.
    if (isReferenceData(checked.value.id) || await deps.stored(checked.value.id, versionOf(marked))) {
      result.skipped++;
      continue;
    }
    indexOf.set(checked.value.id, index);
    accepted.push(checked.value);
  }
  // The producers' identities go first, on their own: a restricted object (TLP:AMBER or stricter) is stored in a
  // transaction of its own, where its creator must already be on the ledger.
  const identities = accepted.filter((o) => o.type === 'identity');
  const others = accepted.filter((o) => o.type !== 'identity');
  for (const group of identities.length && others.length ? [identities, others] : [accepted]) {
    for (const chunk of chunks(group)) await publishChunk(viewer, chunk, deps, details, result, indexOf);
  }
  return result;
}

async function publishChunk(viewer: Viewer, objects: StixObject[], deps: BatchDeps, details: Record<string, unknown>, result: BatchResult, indexOf: ReadonlyMap<string, number>): Promise<void> {
  let remaining = objects;
  while (remaining.length) {
    try {
      const r = await deps.publisher.publish(viewer, { type: 'bundle', id: `bundle--${randomUUID()}`, objects: remaining }, { details });
      for (const o of r.objects) {
        if (o.status === 'queued') result.queued++;
        else if (o.status === 'unchanged') result.skipped++;
        else result.imported++;
      }
      return;
    } catch (err) {
      // Only a refusal of the content is the partner's object's fault; anything else stops the run (and is retried).
      if (!(err instanceof NodeError) || err.code === 'INTERNAL' || err.code === 'FORBIDDEN') throw err;
      const id = blamedId(err, new Set(remaining.map((o) => o.id)));
      if (!id) {
        if (remaining.length === 1) {
          result.refused.push({ index: indexOf.get(remaining[0]!.id) ?? -1, id: remaining[0]!.id, reason: `${err.code}: ${err.message}` });
          return;
        }
        // The refusal names no object: each is tried alone, so one bad object does not take the others with it.
        for (const o of remaining) await publishChunk(viewer, [o], deps, details, result, indexOf);
        return;
      }
      result.refused.push({ index: indexOf.get(id) ?? -1, id, reason: `${err.code}: ${err.message}` });
      remaining = remaining.filter((o) => o.id !== id);
    }
  }
}
