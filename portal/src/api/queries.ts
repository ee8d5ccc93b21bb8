/**
 * The GraphQL operations the portal uses. The shapes it reads are generated from the node's schema and these
 * operations (`operations.generated.ts`, by `npm run api-types -w portal`): a schema change that breaks one of
 * them fails the portal's build.
 */
import type { MultiPolygon, Polygon } from 'geojson';
import type { Operation } from './client.js';
import type * as G from './operations.generated.js';

/** An operation's text with the fragments it spreads, typed with its result and variables. */
const op = <R, V>(text: string, ...fragments: string[]) => (text + fragments.join('')) as Operation<R, V>;

const AGENCY = /* GraphQL */ `
  fragment AgencyFields on Agency { key name identityId level country jurisdiction { geometry bbox centre } }`;
const USER = /* GraphQL */ `
  fragment UserFields on User { username displayName role agency { ...AgencyFields } }`;
const SUMMARY = /* GraphQL */ `
  fragment ThreatSummaryFields on Threat { id type name modified tlp category severity revoked bbox agency { key name } stix }`;
const RESPONSE = /* GraphQL */ `
  fragment AlertResponseFields on AlertResponse { id status responder agency { key name } at note }`;
const EXPLANATION = /* GraphQL */ `
  fragment ExplanationFields on Explanation { id known visible rule reasons redacted tlp publisher policyRevision }`;

/**
 * An agency's territory. The schema types `geometry` as JSON (its description: a GeoJSON Polygon or MultiPolygon) and
 * `centre` as a list ([longitude, latitude]): the portal reads them as such. `Narrows` keeps this in step with the schema.
 */
export interface Territory { geometry: Polygon | MultiPolygon; bbox: number[]; centre: [number, number] }
type Narrows<T extends U, U> = T;
export type GeneratedTerritory = Narrows<Omit<Territory, 'geometry'>, Omit<NonNullable<G.AgencyFieldsFragment['jurisdiction']>, 'geometry'>>;
export type Agency = Omit<G.AgencyFieldsFragment, 'jurisdiction'> & { jurisdiction: Territory | null };
export type User = Omit<G.UserFieldsFragment, 'agency'> & { agency: Agency };
export type Session = Omit<G.LoginMutation['login'], 'user'> & { user: User };
export type ThreatSummary = G.ThreatSummaryFieldsFragment;
export type AlertResponse = G.AlertResponseFieldsFragment;
export type ThreatDetail = NonNullable<G.ThreatQuery['threat']>;
export type Explanation = G.ExplanationFieldsFragment;
export type ThreatFilter = G.ThreatFilter;
export type PublishResult = G.PublishMutation['publishBundle'];

export const LOGIN = op<{ login: Session }, G.LoginMutationVariables>(/* GraphQL */ `
  mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt user { ...UserFields } } }`, USER, AGENCY);
export const ME = op<{ me: User | null }, G.MeQueryVariables>(/* GraphQL */ `query Me { me { ...UserFields } }`, USER, AGENCY);
export const AGENCIES = op<{ agencies: Agency[] }, G.AgenciesQueryVariables>(/* GraphQL */ `query Agencies { agencies { ...AgencyFields } }`, AGENCY);

export const THREATS = op<G.ThreatsQuery, G.ThreatsQueryVariables>(/* GraphQL */ `
  query Threats($f: ThreatFilter, $first: Int, $after: String, $purpose: String) {
    threats(filter: $f, first: $first, after: $after, purpose: $purpose, withoutPurpose: LEAVE_OUT) {
      edges { cursor node { ...ThreatSummaryFields } } pageInfo { hasNextPage endCursor } restrictedLeftOut { count more } } }`, SUMMARY);
export type LeftOut = NonNullable<G.ThreatsQuery['threats']['restrictedLeftOut']>;

export const SESSION_PURPOSE = op<G.SessionPurposeQuery, G.SessionPurposeQueryVariables>(/* GraphQL */ `
  query SessionPurpose { sessionPurpose { purpose statedAt } }`);
export const STATE_PURPOSE = op<G.StatePurposeMutation, G.StatePurposeMutationVariables>(/* GraphQL */ `
  mutation StatePurpose($purpose: String) { statePurpose(purpose: $purpose) { purpose statedAt } }`);

export const THREAT = op<G.ThreatQuery, G.ThreatQueryVariables>(/* GraphQL */ `
  query Threat($id: ID!, $purpose: String) {
    threat(id: $id, purpose: $purpose) { ...ThreatSummaryFields
      provenance { transactionId blockNumber signatureVerified ledger publishingAgency { key name } }
      sightings { ...ThreatSummaryFields provenance { transactionId blockNumber signatureVerified } }
      history { modified transactionId blockNumber }
      responses { ...AlertResponseFields } }
    explain(id: $id) { ...ExplanationFields } }`, SUMMARY, RESPONSE, EXPLANATION);

export const EXPLAIN = op<G.ExplainQuery, G.ExplainQueryVariables>(/* GraphQL */ `query Explain($id: ID!) { explain(id: $id) { ...ExplanationFields } }`, EXPLANATION);

export const RELATIONSHIPS = op<G.RelationshipsQuery, G.RelationshipsQueryVariables>(/* GraphQL */ `
  query Relationships($purpose: String) { threats(filter: { types: ["relationship"] }, first: 200, purpose: $purpose) { edges { node { ...ThreatSummaryFields } } } }`, SUMMARY);

export const PUBLISH = op<G.PublishMutation, G.PublishMutationVariables>(/* GraphQL */ `
  mutation Publish($b: JSON!) { publishBundle(bundle: $b) { status bundleId ids transactionId blockNumber outboxId } }`);

export const RESPOND = op<G.RespondMutation, G.RespondMutationVariables>(/* GraphQL */ `
  mutation Respond($id: ID!, $s: ResponseStatus!, $exercise: ID) { respondToAlert(alertId: $id, status: $s, exercise: $exercise) { ...AlertResponseFields } }`, RESPONSE);

export const ALERTS = op<G.AlertsSubscription, G.AlertsSubscriptionVariables>(/* GraphQL */ `subscription Alerts($exercise: ID) { alerts(exercise: $exercise) { ...ThreatSummaryFields } }`, SUMMARY);

/** What refers to an open object (sightings, responses, relationships), as it is committed: the detail view refreshes on it. */
export const RELATED = op<G.RelatedSubscription, G.RelatedSubscriptionVariables>(/* GraphQL */ `
  subscription Related($id: ID!, $purpose: String) { related(id: $id, purpose: $purpose) { id } }`);

export const ALERT_RESPONSES = op<G.AlertResponsesQuery, G.AlertResponsesQueryVariables>(/* GraphQL */ `
  query AlertResponses($id: ID!, $purpose: String, $exercise: ID) { threat(id: $id, purpose: $purpose, exercise: $exercise) { id responses { ...AlertResponseFields } } }`, RESPONSE);

const CORRELATION = /* GraphQL */ `
  fragment CorrelationFields on Correlation { kind valueKind value distanceM secondsApart crossAgency why foundAt other { ...ThreatSummaryFields } }`;
export type Correlation = G.CorrelationFieldsFragment;

/** Objects linked to one object (shared observables, proximity), as the user may see them. */
export const CORRELATIONS = op<G.CorrelationsQuery, G.CorrelationsQueryVariables>(/* GraphQL */ `
  query Correlations($id: ID!, $purpose: String) { threat(id: $id, purpose: $purpose) { id agency { key name } correlations { ...CorrelationFields } } }`,
CORRELATION, SUMMARY);

export const VENUES = op<G.VenuesQuery, G.VenuesQueryVariables>(/* GraphQL */ `
  query Venues($purpose: String) { venues(purpose: $purpose) { id name kind eventName starts ends active riskLevel score restrictedLeftOut } }`);

/** The venues whose picture each alert takes part in (the server's rule), for the operators' console. */
export const ALERT_VENUES = op<G.AlertVenuesQuery, G.AlertVenuesQueryVariables>(/* GraphQL */ `
  query AlertVenues($purpose: String) { venues(purpose: $purpose) { id name active riskLevel contributing { threat { id } } } }`);
export type AlertVenue = Pick<VenueSummary, 'id' | 'name' | 'riskLevel'>;

export const VENUE = op<G.VenueQuery, G.VenueQueryVariables>(/* GraphQL */ `
  query Venue($id: ID!, $purpose: String) { venue(id: $id, purpose: $purpose) {
    id name kind eventName starts ends active area bbox riskLevel score reasons restrictedLeftOut
    agencies { key name } onScene { key name }
    contributing { counted points reasons guidance threat { ...ThreatSummaryFields } responses { ...AlertResponseFields } }
    timeline { at kind text threatId } } }`, SUMMARY, RESPONSE);
export type VenueSummary = G.VenuesQuery['venues'][number];
export type VenueDetail = NonNullable<G.VenueQuery['venue']>;

export const SITUATION_REPORT = op<G.SituationReportMutation, G.SituationReportMutationVariables>(/* GraphQL */ `
  mutation SituationReport($id: ID!) { situationReport(venueId: $id) { level objectCount report published { status transactionId blockNumber } } }`);
