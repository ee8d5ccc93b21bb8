/**
 * The agencies' nodes as an exercise reaches them: their GraphQL APIs, called as named users (logged in once each, the
 * token kept for the run), errors carrying the node's code.
 */

export interface NodeClient {
  /** GraphQL URL per agency key, e.g. { pn: 'http://127.0.0.1:4001/graphql' }. */
  nodes: Record<string, string>;
  /** The password of a user (the demo's: "demo"). */
  password: (user: string) => string;
}

export class NodeApi {
  private readonly tokens = new Map<string, string>();
  constructor(private readonly client: NodeClient) {}

  url(agency: string): string {
    const url = this.client.nodes[agency];
    if (!url) throw new Error(`no node for agency "${agency}" (known: ${Object.keys(this.client.nodes).join(', ')}; add --node ${agency}=URL)`);
    return url;
  }

  async call<T>(agency: string, user: string | null, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const token = user ? await this.token(agency, user) : undefined;
    const res = await fetch(this.url(agency), {
      method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length) {
      const e = body.errors[0]!;
      throw Object.assign(new Error(`${agency}${user ? ` as ${user}` : ''}: ${e.message}`), { code: e.extensions?.code });
    }
    return body.data as T;
  }

  private async token(agency: string, user: string): Promise<string> {
    const key = `${agency}\0${user}`;
    let token = this.tokens.get(key);
    if (!token) {
      const d = await this.call<{ login: { token: string } }>(agency, null, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }',
        { u: user, p: this.client.password(user) });
      token = d.login.token;
      this.tokens.set(key, token);
    }
    return token;
  }
}
