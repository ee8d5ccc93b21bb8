/**
 * The policy port: the one gate every egress path calls (queries, single reads, subscriptions,
 * exports, and every later path), and the release check the listener makes before it stores an
 * object. Decisions come with reasons and the rule that decided, so a user can be told why
 * something is hidden without being shown it.
 *
 * Implementations evaluate the Rego policies of policies/: compiled to wasm in process (embedded
 * default) or on an OPA server. The decisions are the same; a test runs one table through both.
 */
import type { TlpLevel } from '@popart/schemas';
import type { AgencySubject, Viewer } from '../identity.js';

/** What the policy is told about an object: its markings and facts, never its content. */
export interface ObjectFacts {
  id: string;
  type: string;
  /** Publishing agency key, e.g. "pn". */
  publisher: string;
  tlp: TlpLevel | null;
  audience: string[];
  category: string | null;
  severity: string | null;
  area: { bbox: [number, number, number, number]; center: [number, number] } | null;
  /**
   * ISO 3166-1 alpha-2 countries the object is placed in, when its standard STIX placement names only countries (no
   * coordinates): from the ledger's announcement, so the release check judges them; absent otherwise.
   */
  countries?: string[];
  /** The exercise (training) the object belongs to (`x_popart_exercise`, or the label "exercise"); absent for a real object. */
  exercise?: string;
  /** Property paths present in the object (top level and inside extensions), for redaction. */
  properties: string[];
  /**
   * Which of `paths` the object has (same paths as `properties` holds), when the facts were built from the object: a
   * policy that names the few paths its redaction rules read (popart/redaction/paths) asks for those, and the object's
   * every path is not listed for each decision.
   */
  present?(paths: Iterable<string>): string[];
}

export interface Coarsening { path: string; decimals: number }

export interface Decision {
  allow: boolean;
  /** Human-readable reasons: the facts and the rule that allowed or denied. */
  reasons: string[];
  /** Identifier of the deciding rule, e.g. "visibility.jurisdiction". */
  rule: string;
  /** Property paths removed before the object leaves the node. */
  remove: string[];
  /** Numeric properties rounded before the object leaves the node. */
  coarsen: Coarsening[];
}

/** An operator as the routing policy sees them. */
export interface OperatorFacts {
  username: string;
  agency: string;
  role: string;
  min_severity: string;
  /** The exercise the operator's console asked for (its alerts are routed to them too). */
  exercise?: string;
}

export interface Routing {
  recipients: string[];
  reasons: Record<string, string[]>;
}

export interface DecideOptions {
  /** Whether decisions carry their reasons (default true). */
  reasons?: boolean;
}

export interface PolicyGate {
  /** "wasm" (in process) or "opa-server". */
  readonly runtime: string;
  /** Revision of the policy bundle that decides (logged with every decision). */
  readonly revision: string;
  /** Release: may this agency's node receive and keep the object's content at all? */
  release(agency: AgencySubject, obj: ObjectFacts, now: Date): Promise<Decision>;
  /**
   * Release for many objects, in order: the same decisions as `release` one by one, in one evaluation (what the
   * listener asks for each bundle it stores, and the publisher for each agency a bundle may reach).
   */
  releaseMany(agency: AgencySubject, objects: readonly ObjectFacts[], now: Date): Promise<Decision[]>;
  /**
   * Visibility and redaction for one user, for each object, in order. With `reasons: false` the
   * decisions come without reasons (an empty list): the same allow, rule and redactions, cheaper for
   * filtering pages whose hidden objects are not explained.
   */
  decide(viewer: Viewer, objects: readonly ObjectFacts[], now: Date, options?: DecideOptions): Promise<Decision[]>;
  /** Which of these operators an alert is for. */
  route(alert: ObjectFacts, operators: readonly OperatorFacts[], now: Date): Promise<Routing>;
  close(): Promise<void>;
}
