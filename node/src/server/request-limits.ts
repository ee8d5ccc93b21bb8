/**
 * How much one request may ask of a node, whoever sends it: the size of an HTTP body or WebSocket
 * message, and the shape of a GraphQL operation (depth, aliases, fields, estimated cost), checked as
 * a validation rule so that an operation over a limit is refused before anything executes (no
 * resolver runs, nothing is audited). README.md "Request limits" lists these values.
 *
 * The cost estimate: every field costs 1; a field with a `first`, `last` or `limit` argument costs 1
 * plus that number times what is selected under it; any other list field multiplies what is under it
 * by `assumedListSize` (but the `edges` of a connection, already counted by the connection's
 * `first`). A size given as a variable without a default counts as the largest page (`variableListSize`).
 * Introspection (`__schema`, `__type`) counts towards fields and aliases only.
 */
import { CONTENT_LIMITS } from '@popart/schemas';
import {
  GraphQLError, getNamedType, getOperationAST, TypeInfo, ValidationContext, type GraphQLSchema, getNullableType, isListType, isInterfaceType, isObjectType, Kind,
  type ASTVisitor, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLNamedType,
  type OperationDefinitionNode, type SelectionSetNode, type ValidationRule, type ValueNode,
} from 'graphql';

export interface RequestLimits {
  /** Bytes of one HTTP request body and of one WebSocket message. */
  maxBodyBytes: number;
  /** Lexical tokens in one GraphQL document (bounds parsing; values passed as variables are not tokens). */
  maxTokens: number;
  /** Nesting of fields in one operation (`{ a { b } }` is 2). */
  maxDepth: number;
  /** Fields with an alias in one operation. */
  maxAliases: number;
  /** Field selections in one operation, fragments expanded. */
  maxFields: number;
  /** Estimated cost of one operation (see above). */
  maxCost: number;
  /** What a list field without a size argument counts as. */
  assumedListSize: number;
  /** What a size argument given by a variable without a default counts as. */
  variableListSize: number;
  /** Operations (subscriptions, queries) running at once on one WebSocket connection. */
  maxOperationsPerConnection: number;
}

export const REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  // The contract refuses a longer transaction argument; one number for both (docs/limits.md).
  maxBodyBytes: CONTENT_LIMITS.maxRequestBytes,
  maxTokens: 5_000,
  maxDepth: 12,
  maxAliases: 30,
  maxFields: 1_000,
  maxCost: 20_000,
  assumedListSize: 10,
  variableListSize: 200,
  maxOperationsPerConnection: 50,
});

/** The GraphQL error code of an operation over one of the limits. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

export interface OperationMeasure {
  depth: number;
  aliases: number;
  fields: number;
  cost: number;
  /** The walk stopped early: an exponential fragment expansion or a document far over maxFields. */
  truncated: boolean;
}

const SIZE_ARGS = new Set(['first', 'last', 'limit']);

/** Measures one operation against the schema of a validation context. */
export function measureOperation(ctx: ValidationContext, op: OperationDefinitionNode, limits: RequestLimits): OperationMeasure {
  const schema = ctx.getSchema();
  const m: OperationMeasure = { depth: 0, aliases: 0, fields: 0, cost: 0, truncated: false };
  const defaults = new Map<string, ValueNode | undefined>();
  for (const v of op.variableDefinitions ?? []) defaults.set(v.variable.name.value, v.defaultValue);

  const sizeOf = (node: FieldNode): number | undefined => {
    for (const arg of node.arguments ?? []) {
      if (!SIZE_ARGS.has(arg.name.value)) continue;
      let value: ValueNode | undefined = arg.value;
      if (value.kind === Kind.VARIABLE) value = defaults.get(value.name.value);
      if (value?.kind === Kind.INT) return Math.max(0, Number(value.value));
      return limits.variableListSize;
    }
    return undefined;
  };

  // Returns the cost of a selection set; `depth` is the depth of the fields in it.
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, depth: number, inIntrospection: boolean, fragments: string[]): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (m.truncated) return cost;
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const name = sel.name.value;
        const frag: FragmentDefinitionNode | null | undefined = ctx.getFragment(name);
        if (!frag || fragments.includes(name)) continue; // unknown or cyclic: other rules report it
        cost += walk(frag.selectionSet, schema.getType(frag.typeCondition.name.value) ?? parent, depth, inIntrospection, [...fragments, name]);
        continue;
      }
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) ?? parent : parent;
        cost += walk(sel.selectionSet, type, depth, inIntrospection, fragments);
        continue;
      }
      m.fields++;
      if (sel.alias) m.aliases++;
      if (m.fields > limits.maxFields * 4) {
        m.truncated = true;
        return cost;
      }
      const name = sel.name.value;
      const introspection = inIntrospection || name === '__schema' || name === '__type';
      if (!introspection) m.depth = Math.max(m.depth, depth);
      const def = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
      const fieldType = name === '__schema' ? schema.getType('__Schema') : name === '__type' ? schema.getType('__Type') : def && getNamedType(def.type);
      const children = sel.selectionSet ? walk(sel.selectionSet, fieldType ?? undefined, depth + 1, introspection, fragments) : 0;
      if (introspection) continue;
      let multiplier = 1;
      const size = sizeOf(sel);
      if (size !== undefined) multiplier = size;
      else if (def && isListType(getNullableType(def.type)) && !(parent?.name.endsWith('Connection'))) multiplier = limits.assumedListSize;
      // A leaf with a size (exportBundle(limit:)) costs its size: each item is work on the node.
      const inner = sel.selectionSet ? children : size !== undefined ? 1 : 0;
      cost += 1 + multiplier * inner;
    }
    return cost;
  };

  const root = op.operation === 'query' ? schema.getQueryType() : op.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  m.cost = walk(op.selectionSet, root ?? undefined, 1, false, []);
  return m;
}

function tooComplex(node: OperationDefinitionNode, limit: string, actual: number, max: number, why: string): GraphQLError {
  const name = node.name ? `operation ${node.name.value}` : 'the operation';
  return new GraphQLError(`${name} is too complex: ${why} (${actual}; the limit is ${max})`, {
    nodes: [node],
    extensions: { code: QUERY_TOO_COMPLEX, limit, max, actual },
  });
}

/** The validation rule: refuses each operation over maxDepth, maxAliases, maxFields or maxCost. */
export function operationLimitsRule(limits: RequestLimits = REQUEST_LIMITS): ValidationRule {
  return (ctx: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const m = measureOperation(ctx, node, limits);
      if (m.aliases > limits.maxAliases) {
        ctx.reportError(tooComplex(node, 'aliases', m.aliases, limits.maxAliases, 'too many aliased fields'));
      } else if (m.truncated || m.fields > limits.maxFields) {
        ctx.reportError(tooComplex(node, 'fields', m.fields, limits.maxFields, m.truncated ? 'too many fields once fragments are expanded' : 'too many fields'));
      } else if (m.depth > limits.maxDepth) {
        ctx.reportError(tooComplex(node, 'depth', m.depth, limits.maxDepth, 'fields nested too deep'));
      } else if (m.cost > limits.maxCost) {
        ctx.reportError(tooComplex(node, 'cost', m.cost, limits.maxCost,
          `estimated cost too high: lists count by their first/limit argument times what they select; ask for fewer items or fields, or page`));
      }
      return false;
    },
  });
}

/** The estimated cost of the operation a request runs (0 when there is none), for the load budget. */
export function operationCost(schema: GraphQLSchema, doc: DocumentNode, operationName: string | null | undefined, limits: RequestLimits = REQUEST_LIMITS): number {
  const op = getOperationAST(doc, operationName);
  if (!op) return 0;
  return measureOperation(new ValidationContext(schema, doc, new TypeInfo(schema), () => undefined), op, limits).cost;
}

/** Whether an error is a refusal for complexity (the limits rule, or a document over maxTokens). */
export function isTooComplex(error: GraphQLError): boolean {
  const original = error.originalError;
  return error.extensions.code === QUERY_TOO_COMPLEX || (original instanceof GraphQLError && original.extensions.code === QUERY_TOO_COMPLEX) ||
    /Document contains more th(?:an|at) \d+ tokens/.test(error.message);
}

/** Whether a document asks for introspection (`__schema` or `__type`; `__typename` is not introspection here). */
export function asksIntrospection(doc: DocumentNode): boolean {
  const seen = (set: SelectionSetNode | undefined): boolean => (set?.selections ?? []).some((sel) =>
    sel.kind === Kind.FIELD ? sel.name.value === '__schema' || sel.name.value === '__type' || seen(sel.selectionSet)
      : sel.kind === Kind.INLINE_FRAGMENT ? seen(sel.selectionSet) : false);
  return doc.definitions.some((d) => (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) && seen(d.selectionSet));
}

/** The error for introspection without a signed-in user. */
export function introspectionRefused(): GraphQLError {
  return new GraphQLError('introspection (__schema, __type) is for signed-in users: sign in (mutation login) first', { extensions: { code: 'UNAUTHENTICATED' } });
}
