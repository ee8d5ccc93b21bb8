/**
 * The portal's GraphQL client: POST /graphql on the node that served the portal (same origin), and
 * graphql-ws on the same path for subscriptions. Errors keep the node's code and issues
 * (`extensions.code`, `extensions.issues`) so forms can show them next to their fields.
 */
import { createClient, type Client } from 'graphql-ws';

export interface Issue {
  objectIndex: number | null;
  objectId: string | null;
  property: string;
  message: string;
}

/** A GraphQL operation's text, typed with what it returns (`R`) and its variables (`V`): see queries.ts. */
export type Operation<R, V> = string & { readonly __result?: R; readonly __variables?: V };

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(message: string, readonly code: string, readonly issues: Issue[] = []) {
    super(message);
  }
}

interface GqlError { message: string; extensions?: { code?: string; issues?: Issue[] } }

export function apiErrorOf(errors: readonly GqlError[]): ApiError {
  const first = errors[0];
  const issues = errors.flatMap((e) => e.extensions?.issues ?? []);
  return new ApiError(first?.message ?? 'request failed', first?.extensions?.code ?? 'UNKNOWN', issues);
}

export async function gql<T, V>(query: Operation<T, V>, variables: V, token?: string | null): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new ApiError(`the node cannot be reached: ${(err as Error).message}`, 'NETWORK');
  }
  let body: { data?: T | null; errors?: GqlError[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ApiError(`the node answered ${res.status} without GraphQL`, 'NETWORK');
  }
  if (body.errors?.length) throw apiErrorOf(body.errors);
  if (!body.data) throw new ApiError('empty answer from the node', 'NETWORK');
  return body.data;
}

/** A graphql-ws client for this node, authenticated with the token; reconnects on its own. */
export function liveClient(token: string, onStatus?: (connected: boolean) => void): Client {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  return createClient({
    url,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connected: () => onStatus?.(true),
      closed: () => onStatus?.(false),
    },
  });
}

/** Subscribes to a query; returns the function that stops it. */
export function subscribe<T, V>(client: Client, query: Operation<T, V>, onData: (data: T) => void, onError?: (e: ApiError) => void, variables?: V): () => void {
  return client.subscribe<T>({ query, ...(variables ? { variables: variables as Record<string, unknown> } : {}) }, {
    next: (v) => {
      if (v.errors?.length) onError?.(apiErrorOf(v.errors as GqlError[]));
      else if (v.data) onData(v.data as T);
    },
    error: (e) => onError?.(Array.isArray(e) ? apiErrorOf(e as GqlError[]) : new ApiError(String((e as Error)?.message ?? 'subscription closed'), 'NETWORK')),
    complete: () => undefined,
  });
}
