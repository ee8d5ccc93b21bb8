/** Provisioning an agency in an OpenBao / Vault (transit key, KV v2, AppRole) with the administrator token, and the vault's HTTP API call the provisioning and the dev server share. */
import { NodeError } from '../errors.js';

/** One vault HTTP API call; a refusal throws a NodeError with `code`, `prefix`, the call and the server's answer. */
export async function vaultRequest(
  address: string, method: string, path: string, body: unknown, token: string | undefined, code: 'INTERNAL' | 'KEYSTORE', prefix: string,
): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(address.replace(/\/+$/, '') + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { 'X-Vault-Token': token } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    // fetch's own errors (a DOMException on timeout) carry little: say which call got no answer.
    const reason = err instanceof Error && err.name === 'TimeoutError' ? 'no answer within 10 s' : `no answer (${err instanceof Error ? (err.cause as Error | undefined)?.message ?? err.message : String(err)})`;
    throw new NodeError(code, `${prefix}${method} ${path}: ${reason}`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) throw new NodeError(code, `${prefix}${method} ${path} answered ${res.status}: ${text.trim()}`);
  return text ? JSON.parse(text) as Record<string, unknown> : {};
}

export interface AgencyVaultCredentials {
  agency: string;
  /** PKI mount of the agency's CA; its role `node` signs the node's CSR. */
  pkiMount: string;
  roleId: string;
  secretId: string;
  signingKey: string;
  secretsPath: string;
}

/**
 * Prepares a vault for POP-ART nodes (idempotent): transit and KV v2 engines, AppRole auth, and for each
 * agency a PKI mount holding its CA, a policy that allows only its own transit key and its own secrets, and an AppRole role with short-lived
 * renewable tokens. Returns each agency's AppRole credentials.
 */
export async function provisionVault(address: string, adminToken: string, agencies: string[], opts: { tokenTtlSeconds?: number; tokenMaxTtlSeconds?: number } = {}): Promise<AgencyVaultCredentials[]> {
  const call = (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> =>
    vaultRequest(address, method, path, body, adminToken, 'KEYSTORE', `provisioning the vault at ${address}: `);
  const mounts = (await call('GET', '/v1/sys/mounts')).data as Record<string, unknown> ?? {};
  if (!('transit/' in mounts)) await call('POST', '/v1/sys/mounts/transit', { type: 'transit' });
  if (!('secret/' in mounts)) await call('POST', '/v1/sys/mounts/secret', { type: 'kv', options: { version: '2' } });
  const auths = (await call('GET', '/v1/sys/auth')).data as Record<string, unknown> ?? {};
  if (!('approle/' in auths)) await call('POST', '/v1/sys/auth/approle', { type: 'approle' });

  const out: AgencyVaultCredentials[] = [];
  for (const agency of agencies) {
    const signingKey = `popart-${agency}-signing`;
    const secretsPath = `popart/${agency}`;
    // The organisation's CA: a PKI mount per agency with its root and a role that signs its nodes' CSRs.
    const pkiMount = `pki-${agency}`;
    if (!(`${pkiMount}/` in mounts)) {
      await call('POST', `/v1/sys/mounts/${pkiMount}`, { type: 'pki', config: { max_lease_ttl: '87600h' } });
      await call('POST', `/v1/${pkiMount}/root/generate/internal`, { common_name: `ca.${agency}.popart.example`, organization: agency, key_type: 'ec', key_bits: 256, ttl: '87600h' });
    }
    await call('POST', `/v1/${pkiMount}/roles/node`, {
      allow_any_name: true, enforce_hostnames: false, key_type: 'ec', key_bits: 256, organization: [agency], ou: ['client'], max_ttl: '8760h',
      server_flag: false, client_flag: true, use_csr_common_name: true,
    });
    const policy = [
      `path "transit/keys/${signingKey}" { capabilities = ["create", "read", "update"] }`,
      `path "transit/keys/${signingKey}/rotate" { capabilities = ["update"] }`,
      `path "transit/sign/${signingKey}" { capabilities = ["update"] }`,
      `path "transit/sign/${signingKey}/*" { capabilities = ["update"] }`,
      `path "secret/data/${secretsPath}/*" { capabilities = ["create", "read", "update"] }`,
      `path "secret/metadata/${secretsPath}/*" { capabilities = ["read", "list"] }`,
      `path "${pkiMount}/sign/node" { capabilities = ["update"] }`,
      // The role that issues the node's Fabric client certificate, once the organisation's CA is imported (fabric-enroll).
      `path "${pkiMount}/sign/fabric-client" { capabilities = ["update"] }`,
    ].join('\n');
    await call('PUT', `/v1/sys/policies/acl/popart-${agency}`, { policy });
    await call('POST', `/v1/auth/approle/role/popart-${agency}`, {
      token_policies: [`popart-${agency}`],
      token_ttl: `${opts.tokenTtlSeconds ?? 3600}s`,
      token_max_ttl: `${opts.tokenMaxTtlSeconds ?? 86_400}s`,
      secret_id_ttl: '0s',
    });
    const roleId = ((await call('GET', `/v1/auth/approle/role/popart-${agency}/role-id`)).data as { role_id: string }).role_id;
    const secretId = ((await call('POST', `/v1/auth/approle/role/popart-${agency}/secret-id`, {})).data as { secret_id: string }).secret_id;
    out.push({ agency, roleId, secretId, signingKey, secretsPath, pkiMount });
  }
  return out;
}
