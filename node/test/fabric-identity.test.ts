/**
 * The agency's Fabric identity from the vault, without a network (a real OpenBao server): an organisation CA is
 * imported into the agency's PKI mount (idempotently; a key that is not the CA's refused), the role issues client
 * certificates for the transit key as a Fabric MSP with NodeOUs wants them (OU=client, no extended key usage, chained
 * to that CA), the signer signs the whole message with one key version, a certificate for another key is refused, and
 * the certificate is renewed before it expires.
 */
import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyLowS } from '../src/keys/ecdsa.js';
import { importFabricCa, VaultFabricIdentity, type FabricIdentity } from '../src/keys/fabric-identity.js';
import { OpenBaoServer } from '../src/dev/openbao-server.js';
import { provisionVault } from '../src/keys/vault-provision.js';
import { VaultKeyService } from '../src/keys/vault-key-service.js';
import { tempDir } from './support.js';

function baoBinary(): string {
  const bin = process.env.POPART_BAO;
  if (!bin) throw new Error('POPART_BAO is not set: run the tests through `npm test` (scripts/tools.sh installs OpenBao)');
  return bin;
}

describe('the Fabric identity of a transit key', () => {
  const dir = tempDir('popart-fabric-identity-');
  let bao: OpenBaoServer;
  /** An organisation CA made like cryptogen's (EC P-256 root), certificate and key exported. */
  let orgCa: { certificate: string; privateKey: string };
  let other: { certificate: string; privateKey: string };
  let keys: VaultKeyService;

  const exportedRoot = async (mount: string, cn: string): Promise<{ certificate: string; privateKey: string }> => {
    await bao.api('POST', `/v1/sys/mounts/${mount}`, { type: 'pki', config: { max_lease_ttl: '87600h' } }, bao.rootToken);
    const r = await bao.api('POST', `/v1/${mount}/root/generate/exported`, {
      common_name: cn, organization: 'org.popart.local', key_type: 'ec', key_bits: 256, ttl: '87600h', private_key_format: 'pkcs8',
    }, bao.rootToken) as { data: { certificate: string; private_key: string } };
    return { certificate: r.data.certificate, privateKey: r.data.private_key };
  };

  before(async () => {
    bao = await OpenBaoServer.start({ binary: baoBinary(), dir: join(dir.path, 'openbao') });
    orgCa = await exportedRoot('scratch-ca', 'ca.org.popart.local');
    other = await exportedRoot('scratch-other', 'ca.other.popart.local');
    const [cred] = await provisionVault(bao.url, bao.rootToken, ['org']);
    keys = await VaultKeyService.open({ address: bao.url, appRole: { roleId: cred!.roleId, secretId: cred!.secretId }, signingKey: cred!.signingKey, secretsPath: cred!.secretsPath });
  });
  after(async () => {
    await keys?.close();
    await bao?.stop();
    dir.remove();
  });

  it('imports the organisation CA once; refuses a key that is not the CA\'s', async () => {
    const first = await importFabricCa(bao.url, bao.rootToken, { agency: 'org', caCertPem: orgCa.certificate, caKeyPem: orgCa.privateKey });
    const again = await importFabricCa(bao.url, bao.rootToken, { agency: 'org', caCertPem: orgCa.certificate, caKeyPem: orgCa.privateKey });
    assert.equal(again.issuerId, first.issuerId);
    assert.equal(first.pkiMount, 'pki-org');
    assert.equal(first.role, 'fabric-client');
    await assert.rejects(importFabricCa(bao.url, bao.rootToken, { agency: 'org', caCertPem: orgCa.certificate, caKeyPem: other.privateKey }), /not the key of its CA certificate/);
  });

  it('issues, through the node\'s AppRole, a client certificate of the transit key chained to that CA, with no extended key usage', async () => {
    const identity = await new VaultFabricIdentity(keys, { pkiMount: 'pki-org', role: 'fabric-client', commonName: 'org-node' }).issue();
    const cert = new X509Certificate(identity.certificate);
    const ca = new X509Certificate(orgCa.certificate);
    assert.ok(cert.verify(ca.publicKey));
    assert.equal(cert.issuer, ca.subject);
    assert.match(cert.subject, /OU=client/);
    assert.equal(cert.keyUsage, undefined, 'no extended key usage (Fabric verifies the chain for server auth)');
    assert.equal(cert.ca, false);
    assert.equal(cert.publicKey.export({ type: 'spki', format: 'pem' }).toString(), createPublicKey(keys.publicKeyPem()).export({ type: 'spki', format: 'pem' }).toString());
    assert.equal(identity.version, 1);
    assert.equal(identity.signerHashes, true);
    // The signer is handed the whole message (hash.none) and signs it with version 1, low S.
    const message = Buffer.from('a Fabric proposal');
    const signature = await identity.signer(message);
    assert.ok(verifyLowS(keys.publicKeyPems()[0] as string, message, signature));
  });

  it('a rotated key gets its own certificate; a certificate is refused for a key version it is not for', async () => {
    const identities = new VaultFabricIdentity(keys, { pkiMount: 'pki-org', role: 'fabric-client', commonName: 'org-node' });
    const v1 = await identities.issue(1);
    const version = await keys.rotateSigningKey();
    const v2 = await identities.issue(version);
    assert.equal(keys.activeSigningVersion(), 1, 'issuing for the new version does not switch signing');
    assert.equal(new X509Certificate(v2.certificate).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      createPublicKey(keys.publicKeyPems()[1] as string).export({ type: 'spki', format: 'pem' }).toString());
    assert.throws(() => identities.fromCertificate(v1.certificate, 2), /not for version 2/);
    assert.equal(identities.fromCertificate(v1.certificate, 1).version, 1);
    const message = Buffer.from('after the rotation');
    assert.ok(verifyLowS(keys.publicKeyPems()[1] as string, message, await v2.signer(message)), 'v2\'s signer signs with version 2');
    keys.activateSigningKey(version);
  });

  it('renews the certificate after two thirds of its life, for the active version', async () => {
    const identities = new VaultFabricIdentity(keys, { pkiMount: 'pki-org', role: 'fabric-client', commonName: 'org-node', ttl: '4s' });
    const first = await identities.issue();
    const renewed = await new Promise<FabricIdentity>((resolve) => identities.keepRenewed(first, resolve));
    identities.stop();
    assert.equal(renewed.version, keys.activeSigningVersion());
    assert.notEqual(renewed.certificate, first.certificate);
    assert.ok(renewed.notAfter.getTime() > first.notAfter.getTime());
  });

  it('without the CA imported, the error says to run fabric-enroll', async () => {
    const [cred] = await provisionVault(bao.url, bao.rootToken, ['bare']);
    const bare = await VaultKeyService.open({ address: bao.url, appRole: { roleId: cred!.roleId, secretId: cred!.secretId }, signingKey: cred!.signingKey, secretsPath: cred!.secretsPath });
    try {
      await assert.rejects(new VaultFabricIdentity(bare, { pkiMount: 'pki-bare', role: 'fabric-client', commonName: 'bare-node' }).issue(), /fabric-enroll/);
    } finally {
      await bare.close();
    }
  });
});
