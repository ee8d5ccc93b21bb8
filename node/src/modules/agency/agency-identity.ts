import { AGENCY_EXTENSION_ID, canonicalJson, tlpMarkingRef, type StixObject } from '@popart/schemas';
import type { NodeConfig } from '../../config/config.js';

/**
 * The agency's STIX identity, as registered on the ledger. It is TLP:CLEAR (the contract registers nothing else):
 * every agency may hold it and give it out with what the agency created, so that exports carry their creators (MISP
 * and OpenCTI refuse objects whose creator they cannot resolve). Sectors are from STIX's industry-sector vocabulary,
 * and the POP-ART properties are declared by the agency extension (a top-level property extension), so that the
 * identity passes the OASIS validator in strict mode.
 */
export function agencyIdentity(config: NodeConfig, created: Date): StixObject {
  const sectors: Record<string, string[]> = {
    national: ['government-national'],
    partner: ['government-national'],
    regional: ['government-regional', 'emergency-services'],
    local: ['government-local'],
  };
  const ts = created.toISOString();
  return {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${config.agency.identityUuid}`,
    created: ts,
    modified: ts,
    name: config.agency.name,
    identity_class: 'organization',
    sectors: sectors[config.agency.level] ?? [],
    object_marking_refs: [tlpMarkingRef('clear')],
    extensions: { [AGENCY_EXTENSION_ID]: { extension_type: 'toplevel-property-extension' } },
    x_popart_agency_key: config.agency.key,
    x_popart_authority_level: config.agency.level,
    x_popart_country: config.agency.country,
  };
}

/**
 * The next version of the registered identity when it is not the one the node would register now (`wanted`): on a
 * ledger where the agency registered before identities were TLP:CLEAR (unmarked, hence AMBER to every policy and never
 * exported by another agency), or with an older form, or after the configuration changed. Keeps `created`; `modified`
 * is now, or just after the registered version when the clock is behind. Null when nothing differs.
 */
export function identityUpdate(wanted: StixObject, registered: StixObject, now: Date): StixObject | null {
  const content = (o: StixObject) => canonicalJson({ ...o, created: null, modified: null });
  if (content(wanted) === content(registered)) return null;
  const previous = Date.parse(String(registered.modified ?? registered.created));
  const modified = new Date(Math.max(now.getTime(), previous + 1)).toISOString();
  return { ...wanted, created: String(registered.created), modified };
}
