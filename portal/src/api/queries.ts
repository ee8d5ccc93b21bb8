/** The GraphQL operations the portal uses, and the shapes it reads. */
import type { MultiPolygon, Polygon } from 'geojson';

export interface Territory { geometry: Polygon | MultiPolygon; bbox: number[]; centre: [number, number] }
export interface Agency { key: string; name: string; identityId: string; level: string; country: string | null; jurisdiction?: Territory | null }
export interface User { username: string; displayName: string; role: 'ANALYST' | 'OPERATOR' | 'SUPERVISOR' | 'AUDITOR'; agency: Agency }
export interface Session { token: string; expiresAt: string; user: User }

export interface ThreatSummary {
  id: string;
  type: string;
  name: string | null;
  modified: string;
  tlp: string | null;
  category: string | null;
  severity: string | null;
  revoked: boolean;
  bbox: number[] | null;
  agency: { key: string; name: string } | null;
  stix: Record<string, unknown>;
}

export interface AlertResponse {
  id: string;
  status: 'ACKNOWLEDGED' | 'ON_SCENE' | 'RESOLVED';
  responder: string;
  agency: { key: string; name: string } | null;
  at: string;
  note: string | null;
}

export interface ThreatDetail extends ThreatSummary {
  provenance: { transactionId: string; blockNumber: number; signatureVerified: boolean; ledger: string; publishingAgency: { key: string; name: string } | null };
  sightings: (ThreatSummary & { provenance: { transactionId: string; blockNumber: number; signatureVerified: boolean } })[];
  history: { modified: string; transactionId: string; blockNumber: number }[];
  responses: AlertResponse[];
}

export interface Explanation {
  id: string;
  known: boolean;
  visible: boolean;
  rule: string;
  reasons: string[];
  redacted: string[];
  tlp: string | null;
  publisher: string | null;
  policyRevision: string;
}

export interface ThreatFilter {
  types?: string[];
  categories?: string[];
  severities?: string[];
  agencies?: string[];
  from?: string;
  to?: string;
  text?: string;
}

const AGENCY = 'key name identityId level country';
const USER = `username displayName role agency { ${AGENCY} jurisdiction { geometry bbox centre } }`;
const SUMMARY = 'id type name modified tlp category severity revoked bbox agency { key name } stix';

export const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt user { ${USER} } } }`;
export const ME = `query { me { ${USER} } }`;
export const AGENCIES = `query { agencies { ${AGENCY} jurisdiction { geometry bbox centre } } }`;

export const THREATS = `query($f: ThreatFilter, $first: Int, $after: String, $purpose: String) {
  threats(filter: $f, first: $first, after: $after, purpose: $purpose) { edges { cursor node { ${SUMMARY} } } pageInfo { hasNextPage endCursor } } }`;

export const THREAT = `query($id: ID!, $purpose: String) {
  threat(id: $id, purpose: $purpose) { ${SUMMARY}
    provenance { transactionId blockNumber signatureVerified ledger publishingAgency { key name } }
    sightings { ${SUMMARY} provenance { transactionId blockNumber signatureVerified } }
    history { modified transactionId blockNumber }
    responses { id status responder agency { key name } at note } }
  explain(id: $id) { id known visible rule reasons redacted tlp publisher policyRevision } }`;

export const EXPLAIN = 'query($id: ID!) { explain(id: $id) { id known visible rule reasons redacted tlp publisher policyRevision } }';

export const RELATIONSHIPS = `query($purpose: String) { threats(filter: { types: ["relationship"] }, first: 200, purpose: $purpose) { edges { node { ${SUMMARY} } } } }`;

export const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status bundleId ids transactionId blockNumber outboxId } }';

export const RESPOND = `mutation($id: ID!, $s: ResponseStatus!) { respondToAlert(alertId: $id, status: $s) { id status responder agency { key name } at note } }`;

export const ALERTS = `subscription { alerts { ${SUMMARY} } }`;

/** What refers to an open object (sightings, responses, relationships), as it is committed: the detail view refreshes on it. */
export const RELATED = 'subscription($id: ID!, $purpose: String) { related(id: $id, purpose: $purpose) { id } }';

export const ALERT_RESPONSES = 'query($id: ID!, $purpose: String) { threat(id: $id, purpose: $purpose) { id responses { id status responder agency { key name } at note } } }';
