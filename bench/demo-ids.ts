/** The demo agencies' STIX identity ids, for benches that build objects as an agency would. */
import { demoAgencies, type DemoAgency } from '@popart/node/demo';

/** The STIX identity id of a demo agency ('pn', 'pj', 'mad', 'crm'), as the demo registers it. */
export function demoIdentityId(key: DemoAgency['key']): string {
  const agency = demoAgencies.find((a) => a.key === key);
  if (!agency) throw new Error(`no demo agency ${key}`);
  return `identity--${agency.identityUuid}`;
}
