/**
 * A one-click situation report for the other agencies: a STIX `report` (TLP:GREEN, by the user's agency) of what the
 * user may share about a venue: the venue and the objects marked TLP:CLEAR or GREEN among those the user sees through
 * the egress gate, with the risk level computed from those objects only (so the level and reasons reveal nothing
 * restricted), the reasons and the guidance they carry. Published through the publish path unless asked not to.
 */
import { randomUUID } from 'node:crypto';
import { makeBundle, tlpMarkingRef, type StixObject } from '@popart/schemas';
import type { Viewer } from '../../identity.js';
import type { PublishResult, PublishService } from '../publish/publish-service.js';
import type { ThreatRow } from '../threat/threat-row.js';
import { argError, type VenueService } from './venue-service.js';

const SHAREABLE = new Set(['clear', 'green']);

export interface SituationReport {
  report: StixObject;
  level: string;
  objectCount: number;
  published: PublishResult | null;
}

export async function situationReport(
  deps: { venues: VenueService; publisher: Pick<PublishService, 'publish'> },
  viewer: Viewer, venueId: string, publish: boolean, now = new Date(),
): Promise<SituationReport> {
  const view = await deps.venues.get(viewer, venueId, null).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'PURPOSE_REQUIRED') throw argError('venueId', 'the venue is restricted (TLP:AMBER or stricter): a TLP:GREEN report for other agencies cannot refer to it');
    throw err;
  });
  if (!view) throw argError('venueId', `no venue ${venueId} visible to you`, 'NOT_FOUND');
  if (!SHAREABLE.has(view.row.tlp ?? '')) throw argError('venueId', 'the venue is not TLP:CLEAR or GREEN: a TLP:GREEN report for other agencies cannot refer to it');
  const shareable = (r: ThreatRow): boolean => SHAREABLE.has(r.tlp ?? '');
  const picture = await deps.venues.picture(viewer, view, shareable);
  const t = now.toISOString();
  const lines = [
    `Risk level ${picture.level.toUpperCase()} (score ${picture.score}) at ${view.name}${view.venue.event_name ? `, ${view.venue.event_name}` : ''}, ${t}.`,
    ...picture.reasons.slice(1).map((r) => `- ${r}`),
    ...picture.contributing.filter((c) => c.contribution.counted && c.guidance).map((c) => `Guidance (${c.alert.name ?? c.alert.id}): ${c.guidance}`),
  ];
  const refs = [...new Set([view.row.id, ...picture.rows.map((r) => r.id)])];
  const report: StixObject = {
    type: 'report', spec_version: '2.1', id: `report--${randomUUID()}`, created: t, modified: t, created_by_ref: viewer.agency.identityId,
    name: `Situation at ${view.name}: ${picture.level}`, description: lines.join('\n'), report_types: ['threat-report'], published: t,
    object_refs: refs, object_marking_refs: [tlpMarkingRef('green')], labels: ['situation-report', `risk-${picture.level}`],
  };
  const published = publish ? await deps.publisher.publish(viewer, makeBundle([report])) : null;
  return { report, level: picture.level, objectCount: refs.length, published };
}
