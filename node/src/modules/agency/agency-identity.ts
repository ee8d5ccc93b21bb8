import type { StixObject } from '@popart/schemas';
import type { NodeConfig } from '../../config/config.js';

/** The agency's STIX identity, as registered on the ledger when the agency joins. */
export function agencyIdentity(config: NodeConfig, created: Date): StixObject {
  const sectors: Record<string, string[]> = {
    national: ['government-national', 'law-enforcement'],
    partner: ['government-national', 'law-enforcement'],
    regional: ['government-regional', 'government-emergency-services'],
    local: ['government-local', 'law-enforcement'],
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
    x_popart_agency_key: config.agency.key,
    x_popart_authority_level: config.agency.level,
    x_popart_country: config.agency.country,
  };
}
