/**
 * The node on a real OpenBao server (started by the test, data on disk, so it can go down, come back and be
 * sealed): transit signs the agency's transactions and the ledger accepts them, high-S signatures from transit
 * are normalised, no private key material reaches the node's data dir or logs, publishing waits in the outbox
 * while the vault is down or sealed and completes when it is back, and both rotations need no downtime.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isLowS, verifyLowS } from '../src/keys/ecdsa.js';
import { OpenBaoServer } from '../src/dev/openbao-server.js';
import { provisionVault } from '../src/keys/vault-provision.js';
import { VaultKeyService } from '../src/keys/vault-key-service.js';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import type { Logger } from '../src/log.js';
import { gql, login, tempDir } from './support.js';
import { alert, bundle, IDENTITIES } from './stix-fixtures.js';

function baoBinary(): string {
  const bin = process.env.POPART_BAO;
  if (!bin) throw new Error('POPART_BAO is not set: run the tests through `npm test` (scripts/tools.sh installs OpenBao)');
  return bin;
}

/** A logger that keeps every line, to search the logs for key material and to read the vault errors. */
function capturingLogger(lines: string[], name = 'test'): Logger {
  const write = (level: string) => (msg: string, fields?: Record<string, unknown>) => { lines.push(`${level} ${name} ${msg} ${JSON.stringify(fields ?? {})}`); };
  return { info: write('info'), warn: write('warn'), error: write('error'), child: (n) => capturingLogger(lines, `${name}.${n}`) };
}

/** Every file under `dir`, with its content as latin1 text (binary files included). */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, text: readFileSync(path).toString('latin1') });
  }
  return out;
}

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status transactionId outboxId } }';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('an OpenBao server that does not come up', () => {
  it('is stopped, not left running, and the error says which address never answered', async () => {
    const dir = tempDir('popart-vault-fail-');
    try {
      // A "server" that starts and never listens: it writes its pid, then sleeps.
      const binary = join(dir.path, 'silent-bao.sh');
      const pidFile = join(dir.path, 'pid');
      writeFileSync(binary, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`, { mode: 0o755 });
      await assert.rejects(OpenBaoServer.start({ binary, dir: join(dir.path, 'openbao'), startTimeoutMs: 800 }),
        (e: unknown) => e instanceof Error && /OpenBao did not answer on http:\/\/127\.0\.0\.1:\d+ within 0\.8 s/.test(e.message));
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(pid > 0);
      assert.throws(() => process.kill(pid, 0), (e: NodeJS.ErrnoException) => e.code === 'ESRCH', 'the process is gone');
    } finally {
      dir.remove();
    }
  });
});

describe('keys in OpenBao', () => {
  const dir = tempDir('popart-vault-');
  let bao: OpenBaoServer;

  before(async () => {
    bao = await OpenBaoServer.start({ binary: baoBinary(), dir: join(dir.path, 'openbao') });
  });
  after(async () => {
    await bao?.stop();
    dir.remove();
  });

  it('transit signs through AppRole: low-S DER that verifies, high-S answers from transit normalised, the key not exportable, its X.509 certificate issued by the agency CA', async () => {
    const [cred] = await provisionVault(bao.url, bao.rootToken, ['unit']);
    const lines: string[] = [];
    const keys = await VaultKeyService.open({ address: bao.url, appRole: { roleId: cred!.roleId, secretId: cred!.secretId }, signingKey: cred!.signingKey, secretsPath: cred!.secretsPath, log: capturingLogger(lines) });
    try {
      assert.equal(keys.publicKeyPems().length, 1);
      const data = Buffer.from('a proposal to sign');
      // Transit's own answers: over 40 signatures some have a high S (probability of none: 2^-40).
      let rawHigh = 0;
      for (let i = 0; i < 40; i++) {
        const r = await bao.api('POST', `/v1/transit/sign/${cred!.signingKey}`, {
          input: createHash('sha256').update(data).digest('base64'), prehashed: true, hash_algorithm: 'sha2-256',
        }, bao.rootToken) as { data: { signature: string } };
        if (!isLowS(Buffer.from(r.data.signature.split(':')[2] as string, 'base64'))) rawHigh++;
        const sig = await keys.sign(data);
        assert.ok(isLowS(sig), 'the node only hands out low-S signatures');
        assert.ok(verifyLowS(keys.publicKeyPem(), data, sig));
      }
      assert.ok(rawHigh > 0, 'transit produced high-S signatures, so normalisation was exercised');
      const info = await bao.api('GET', `/v1/transit/keys/${cred!.signingKey}`, undefined, bao.rootToken) as { data: { exportable: boolean } };
      assert.equal(info.data.exportable, false);
      await assert.rejects(bao.api('GET', `/v1/transit/export/signing-key/${cred!.signingKey}`, undefined, bao.rootToken), /answered 400|not exportable/);
      await assert.rejects(keys.signWithVersion(2, data), /no version 2/);
      // The X.509 certificate of the key, issued by the agency's CA in the PKI engine from a CSR signed through transit.
      const { certificatePem, caPem } = await keys.issueCertificate({ pkiMount: cred!.pkiMount, role: 'node', subject: { commonName: 'unit-node', organization: 'unit' } });
      const cert = new X509Certificate(certificatePem);
      assert.equal(cert.publicKey.export({ type: 'spki', format: 'pem' }), keys.publicKeyPem(), 'the certificate is for the transit key');
      assert.ok(cert.verify(new X509Certificate(caPem).publicKey), 'signed by the agency CA');
      assert.match(cert.subject, /CN=unit-node/);
      // The AppRole may use its own key only: another agency's key and CA are refused.
      const [other] = await provisionVault(bao.url, bao.rootToken, ['other']);
      await assert.rejects(keys.issueCertificate({ pkiMount: other!.pkiMount, role: 'node', subject: { commonName: 'x' } }), /permission denied/);
    } finally {
      await keys.close();
    }
  });

  it('renews its AppRole token before it expires, and secrets keep their versions across a rotation', async () => {
    const [cred] = await provisionVault(bao.url, bao.rootToken, ['renew'], { tokenTtlSeconds: 3 });
    const lines: string[] = [];
    const keys = await VaultKeyService.open({ address: bao.url, appRole: { roleId: cred!.roleId, secretId: cred!.secretId }, signingKey: cred!.signingKey, secretsPath: cred!.secretsPath, log: capturingLogger(lines) });
    try {
      const first = await keys.secret('session-token');
      assert.equal(first.length, 32);
      assert.deepEqual(await keys.secret('session-token'), first, 'the same secret on every read');
      await new Promise((r) => setTimeout(r, 4500));
      assert.ok(lines.some((l) => l.includes('vault token renewed')), `the token was renewed before its 3 s TTL ran out: ${lines.join(' | ')}`);
      await keys.sign(Buffer.from('still signing after the first TTL'));
      await keys.rotateSecret('session-token');
      const versions = await keys.secretVersions('session-token');
      assert.equal(versions.length, 2);
      assert.notDeepEqual(versions[0], first);
      assert.deepEqual(versions[1], first, 'the previous version is kept for verification');
    } finally {
      await keys.close();
    }
  });

  describe('the demo with every agency key in OpenBao', () => {
    let demo: DemoCluster;
    const dataDir = join(dir.path, 'demo');
    const logs: string[] = [];
    const origOut = process.stdout.write.bind(process.stdout);
    const origErr = process.stderr.write.bind(process.stderr);

    before(async () => {
      // The demo logs to stdout/stderr: keep a copy to search for key material.
      process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => { logs.push(String(chunk)); return (origOut as (...a: unknown[]) => boolean)(chunk, ...rest); }) as typeof process.stdout.write;
      process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => { logs.push(String(chunk)); return (origErr as (...a: unknown[]) => boolean)(chunk, ...rest); }) as typeof process.stderr.write;
      demo = await startDemo({ dataDir, passphrase: 'unused-with-vault', randomPorts: true, logLevel: 'info', fsync: false, keys: { kind: 'vault', address: bao.url, adminToken: bao.rootToken } });
    });
    after(async () => {
      await demo?.stop();
      process.stdout.write = origOut;
      process.stderr.write = origErr;
    });

    it('a transaction signed through transit is accepted by the ledger and verified by another agency', async () => {
      assert.equal(demo.nodes.pn.keys.kind, 'vault');
      const token = await login(demo.nodes.pn.url, 'pn-analyst');
      const a = alert({ by: IDENTITIES.pn, name: 'Signed in the vault' });
      const r = await gql<{ publishBundle: { status: string } }>(demo.nodes.pn.url, PUBLISH, { b: bundle(a) }, token);
      assert.equal(r.data?.publishBundle.status, 'COMMITTED', JSON.stringify(r.errors));
      const pj = await login(demo.nodes.pj.url, 'pj-analyst');
      const seen = await waitFor('the alert at pj', async () => {
        const q = await gql<{ threat: { provenance: { signatureVerified: boolean } } | null }>(demo.nodes.pj.url,
          'query($id: ID!) { threat(id: $id, purpose: "vault test") { provenance { signatureVerified } } }', { id: a.id }, pj);
        return q.data?.threat ?? undefined;
      });
      assert.equal(seen.provenance.signatureVerified, true);
    });

    it('no private key material is written to the data dir or the logs', () => {
      const files = filesUnder(dataDir);
      assert.ok(files.length > 0);
      for (const f of files) {
        assert.doesNotMatch(f.text, /PRIVATE KEY/, `${f.path} holds a private key`);
        assert.doesNotMatch(f.path, /signing-key/, `${f.path} looks like a key file`);
      }
      assert.ok(logs.join('').includes('logged in to the vault with AppRole'), 'the logs were captured');
      assert.doesNotMatch(logs.join(''), /PRIVATE KEY|secret_id|client_token|hvs\.|s\.[A-Za-z0-9]{24}/);
    });

    it('vault down: publishing is queued and completes exactly once when the vault is back; reads keep working', async () => {
      const token = await login(demo.nodes.pn.url, 'pn-analyst');
      await bao.stop();
      const a = alert({ by: IDENTITIES.pn, name: 'Published while the vault was down' });
      const r = await gql<{ publishBundle: { status: string; outboxId: number } }>(demo.nodes.pn.url, PUBLISH, { b: bundle(a) }, token);
      assert.equal(r.data?.publishBundle.status, 'QUEUED', JSON.stringify(r.errors));
      const read = await gql<{ threats: { edges: unknown[] } }>(demo.nodes.pn.url, 'query { threats(first: 5, purpose: "vault down") { edges { cursor } } }', {}, token);
      assert.ok(read.data?.threats.edges.length, 'reads do not need the vault');
      assert.ok(logs.join('').includes('is unreachable'), 'the log says the vault is unreachable');
      await bao.restart();
      const versions = await waitFor('the queued alert committed', async () => {
        const v = await demo.nodes.pn.store.versions(a.id as string);
        return v.length > 0 ? v : undefined;
      }, 30_000);
      assert.equal(versions.length, 1, 'committed exactly once');
    });

    it('sealed vault: a clear error in the log, publishing queued, and done once unsealed', async () => {
      const token = await login(demo.nodes.pn.url, 'pn-analyst');
      await bao.seal();
      const a = alert({ by: IDENTITIES.pn, name: 'Published while the vault was sealed' });
      const r = await gql<{ publishBundle: { status: string } }>(demo.nodes.pn.url, PUBLISH, { b: bundle(a) }, token);
      assert.equal(r.data?.publishBundle.status, 'QUEUED', JSON.stringify(r.errors));
      await waitFor('the sealed message', async () => (logs.join('').includes('is sealed: unseal it') ? true : undefined), 5000);
      await bao.unseal();
      await waitFor('the alert committed after unsealing', async () => ((await demo.nodes.pn.store.versions(a.id as string)).length === 1 ? true : undefined), 30_000);
    });

    it('rotating the transit key and the session key needs no downtime; old signatures and tokens stay valid after a reopen', async () => {
      const node = demo.nodes.pn;
      const token = await login(node.url, 'pn-analyst');
      const version = await node.rotateSigningKey();
      assert.equal(version, 2);
      assert.equal(node.keys.activeSigningVersion(), 2);
      await node.rotateSessionKey();
      const b = alert({ by: IDENTITIES.pn, name: 'Signed with the rotated key' });
      const r = await gql<{ publishBundle: { status: string } }>(node.url, PUBLISH, { b: bundle(b) }, token);
      assert.equal(r.data?.publishBundle.status, 'COMMITTED', `the token from before the rotation still works: ${JSON.stringify(r.errors)}`);
      await login(node.url, 'pn-analyst');
      // Reopening replays every block: the ones signed with version 1 and those signed with version 2.
      await demo.closeLedger();
      await demo.reopenLedger();
      assert.deepEqual(demo.handle.current!.orgKeys().get('PnMSP'), node.keys.publicKeyPems());
    });
  });
});
