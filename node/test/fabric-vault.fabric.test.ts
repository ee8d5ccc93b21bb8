/**
 * Keys never leave the vault, on Fabric too: on a real Fabric network (network-config's up, own ports and state) and
 * a real OpenBao server, pn is enrolled (its organisation's CA imported into its PKI mount, a certificate issued for
 * its transit key), the four demo agencies run with every key in OpenBao, and a transaction signed through transit
 * is accepted by the peers: the creator on the channel is the PKI-issued certificate of the transit key, the
 * envelope's signature verifies with it (low S), and pj reads what pn published. A certificate from a CA the MSP does
 * not know is refused. The key rotates without downtime: a publish under way during the rotation commits, the next
 * one is signed by the new key version under its new certificate.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { readConnectionFile, type ConnectionFile } from '@popart/network-config';
import { fabricEnroll } from '../src/cli/fabric-enroll.js';
import { parseConfig } from '../src/config/config.js';
import { demoAgencies, demoConfig } from '../src/demo/demo-agencies.js';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { verifyLowS } from '../src/keys/ecdsa.js';
import { keyServiceSigner, VaultFabricIdentity } from '../src/keys/fabric-identity.js';
import { OpenBaoServer } from '../src/dev/openbao-server.js';
import { provisionVault } from '../src/keys/vault-provision.js';
import { VaultKeyService } from '../src/keys/vault-key-service.js';
import { FabricLedger, fabricConnectionFromFile } from '../src/ledger/fabric-ledger.js';
import { testNetwork } from './fabric-network.js';
import { gql, login, tempDir, until } from './support.js';
import { alert, bundle, IDENTITIES } from './stix-fixtures.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status transactionId } }';
const network = testNetwork(Number(process.env.POPART_FABRIC_TEST_PORT_BASE ?? 27000) + 3000);

function baoBinary(): string {
  const bin = process.env.POPART_BAO;
  if (!bin) throw new Error('POPART_BAO is not set: run the tests through `npm test` (scripts/tools.sh installs OpenBao)');
  return bin;
}

const spkiPem = (pem: string): string => new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** Every file under `dir`, as latin1 text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, text: readFileSync(path).toString('latin1') });
  }
  return out;
}

/**
 * A committed transaction as pj's peer has it: validation code, creator certificate, and whether the envelope signature
 * verifies with it. Committed through another organisation's peer, it reaches pj's a moment later: asked again (up to
 * 15 s) while pj's peer does not have it yet.
 */
async function transactionOnPeer(gateway: Gateway, channel: string, txId: string): Promise<{ valid: boolean; creatorMsp: string; creatorPem: string; signatureVerifies: boolean }> {
  const qscc = gateway.getNetwork(channel).getContract('qscc');
  let bytes: Uint8Array | undefined;
  for (const until = Date.now() + 15_000; !bytes;) {
    try {
      bytes = await qscc.evaluate('GetTransactionByID', { arguments: [channel, txId] });
    } catch (err) {
      if (!/no such transaction ID/.test(String((err as Error).message)) || Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const processed = peer.ProcessedTransaction.deserializeBinary(bytes);
  const envelope = processed.getTransactionenvelope() as common.Envelope;
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const signatureHeader = common.SignatureHeader.deserializeBinary(payload.getHeader()!.getSignatureHeader_asU8());
  const creator = msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8());
  const creatorPem = Buffer.from(creator.getIdBytes_asU8()).toString('utf8');
  return {
    valid: processed.getValidationcode() === peer.TxValidationCode.VALID,
    creatorMsp: creator.getMspid(),
    creatorPem,
    signatureVerifies: verifyLowS(spkiPem(creatorPem), envelope.getPayload_asU8(), envelope.getSignature_asU8()),
  };
}


describe('keys in OpenBao on a Fabric network', { timeout: 600_000 }, () => {
  const dir = tempDir('popart-fabric-vault-');
  let bao: OpenBaoServer;
  let connectionPath: string;
  let connection: ConnectionFile;
  /** pj's client user (cryptogen's), to read transactions from pj's peer as an outside observer. */
  let observer: { client: grpc.Client; gateway: Gateway };

  before(async () => {
    connectionPath = await network.start();
    connection = readConnectionFile(connectionPath);
    bao = await OpenBaoServer.start({ binary: baoBinary(), dir: join(dir.path, 'openbao') });
    const pj = connection.agencies.pj!;
    const client = new grpc.Client(pj.peer.endpoint, grpc.credentials.createSsl(readFileSync(pj.peer.tlsCACertPath)), { 'grpc.ssl_target_name_override': pj.peer.hostnameOverride });
    observer = {
      client,
      gateway: connect({ client, identity: { mspId: pj.mspId, credentials: readFileSync(pj.user.certPath) }, signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(pj.user.keyPath))), hash: hash.sha256 }),
    };
  });

  after(async () => {
    observer?.gateway.close();
    observer?.client.close();
    await bao?.stop();
    await network.stop();
    dir.remove();
  });

  test('fabric-enroll: pn\'s CA in OpenBao PKI is its organisation\'s CA, and it issues the transit key\'s client certificate', async () => {
    const [cred] = await provisionVault(bao.url, bao.rootToken, ['pn']);
    const pn = demoAgencies.find((a) => a.key === 'pn')!;
    const base = await demoConfig(pn, join(dir.path, 'enrol'), { port: 0, fabricConnection: connectionPath });
    const config = parseConfig({ ...base, keystore: { kind: 'vault', address: bao.url } });
    const enrolment = await fabricEnroll(config, { adminToken: bao.rootToken }, { VAULT_ROLE_ID: cred!.roleId, VAULT_SECRET_ID: cred!.secretId });
    const cert = new X509Certificate(enrolment.certificatePem);
    const mspCa = new X509Certificate(readFileSync(join(connection.agencies.pn!.user.certPath, '..', '..', '..', '..', '..', 'msp', 'cacerts', 'ca.pn.popart.local-cert.pem')));
    assert.ok(cert.verify(mspCa.publicKey), 'issued by the CA in PnMSP\'s cacerts');
    assert.equal(cert.issuer, mspCa.subject);
    assert.match(cert.subject, /OU=client/, 'a client for the MSP\'s NodeOUs');
    assert.match(cert.subject, /CN=pn-node/);
    const transit = await bao.api('GET', `/v1/transit/keys/${cred!.signingKey}`, undefined, bao.rootToken) as { data: { keys: Record<string, { public_key: string }>; exportable: boolean } };
    assert.equal(spkiPem(enrolment.certificatePem), createPublicKey(transit.data.keys['1']!.public_key).export({ type: 'spki', format: 'pem' }).toString(), 'for the transit key');
    assert.equal(transit.data.exportable, false, 'the transit key cannot be exported');
    // Enrolling again changes nothing (same issuer).
    const again = await fabricEnroll(config, { adminToken: bao.rootToken }, { VAULT_ROLE_ID: cred!.roleId, VAULT_SECRET_ID: cred!.secretId });
    assert.equal(again.ca.issuerId, enrolment.ca.issuerId);
  });

  test('a certificate from a CA the MSP does not list is refused by the peer, even for the same transit key', async () => {
    const [cred] = await provisionVault(bao.url, bao.rootToken, ['pn']);
    const keys = await VaultKeyService.open({ address: bao.url, appRole: { roleId: cred!.roleId, secretId: cred!.secretId }, signingKey: cred!.signingKey, secretsPath: cred!.secretsPath });
    try {
      // The role "node" of pn's mount issues from the root OpenBao generated, which no Fabric MSP knows.
      const { certificatePem } = await keys.issueCertificate({ pkiMount: cred!.pkiMount, role: 'node', subject: { commonName: 'pn-stranger' } });
      const ledger = FabricLedger.connect(fabricConnectionFromFile(connectionPath, 'pn', { certificate: certificatePem, signer: keyServiceSigner(keys, 1), signerHashes: true }));
      try {
        await assert.rejects(ledger.evaluate('ListAgencies', []), /access denied|creator/);
      } finally {
        await ledger.close();
      }
    } finally {
      await keys.close();
    }
  });

  describe('the demo on Fabric with every key in OpenBao', () => {
    let demo: DemoCluster;
    const dataDir = join(dir.path, 'demo');
    const tokens: Record<string, string> = {};

    before(async () => {
      demo = await startDemo({
        dataDir, passphrase: 'unused-with-vault', randomPorts: true, logLevel: 'silent', fsync: false,
        keys: { kind: 'vault', address: bao.url, adminToken: bao.rootToken }, ledger: { kind: 'fabric', connection: connectionPath },
      });
      tokens.pn = await login(demo.nodes.pn.url, 'pn-analyst');
      tokens.pj = await login(demo.nodes.pj.url, 'pj-analyst');
    });
    after(async () => {
      await demo?.stop();
    });

    async function publish(name: string): Promise<{ id: string; txId: string }> {
      const a = alert({ by: IDENTITIES.pn, name });
      const r = await gql<{ publishBundle: { status: string; transactionId: string } }>(demo.nodes.pn.url, PUBLISH, { b: bundle(a) }, tokens.pn);
      assert.equal(r.data?.publishBundle.status, 'COMMITTED', JSON.stringify(r.errors ?? r.data));
      return { id: String(a.id), txId: r.data!.publishBundle.transactionId };
    }

    async function readByPj(id: string): Promise<void> {
      const seen = await until(`pj reads ${id}`, async () => {
        const q = await gql<{ threat: { id: string } | null }>(demo.nodes.pj.url, 'query($id: ID!) { threat(id: $id, purpose: "fabric vault test") { id } }', { id }, tokens.pj);
        return q.data?.threat ?? undefined;
      });
      assert.equal(seen.id, id);
    }

    test('a transaction signed through OpenBao transit is accepted by the peers, and pj reads it', async () => {
      assert.equal(demo.nodes.pn.keys.kind, 'vault');
      const { id, txId } = await publish('Signed in the vault, on Fabric');
      const tx = await transactionOnPeer(observer.gateway, connection.channel, txId);
      assert.equal(tx.valid, true, 'VALID on pj\'s peer');
      assert.equal(tx.creatorMsp, 'PnMSP');
      assert.equal(spkiPem(tx.creatorPem), demo.nodes.pn.keys.publicKeyPems()[0], 'the creator is the certificate of transit key version 1');
      assert.ok(tx.signatureVerifies, 'the envelope signature (low S) verifies with the transit key');
      assert.match(new X509Certificate(tx.creatorPem).issuer, /CN=ca\.pn\.popart\.local/, 'issued by the organisation\'s CA, now in OpenBao');
      await readByPj(id);
    });

    test('the key never leaves the vault: no private key in any node\'s data dir, transit keys not exportable', async () => {
      const files = filesUnder(dataDir);
      assert.ok(files.length > 0);
      for (const f of files) assert.doesNotMatch(f.text, /PRIVATE KEY/, `${f.path} holds a private key`);
      for (const a of demoAgencies) {
        const info = await bao.api('GET', `/v1/transit/keys/popart-${a.key}-signing`, undefined, bao.rootToken) as { data: { exportable: boolean } };
        assert.equal(info.data.exportable, false);
      }
    });

    test('rotation without downtime: a publish under way commits, the next is signed by the new version under its new certificate', async () => {
      const node = demo.nodes.pn;
      const inFlight = publish('Published while the key rotates');
      const version = await node.rotateSigningKey();
      assert.equal(version, 2);
      assert.equal(node.keys.activeSigningVersion(), 2);
      const during = await inFlight;
      const afterRotation = await publish('Signed with the rotated key, on Fabric');
      const txDuring = await transactionOnPeer(observer.gateway, connection.channel, during.txId);
      assert.ok(txDuring.valid && txDuring.signatureVerifies, 'the transaction under way is valid, with whichever version it started with');
      const tx = await transactionOnPeer(observer.gateway, connection.channel, afterRotation.txId);
      assert.equal(tx.valid, true);
      assert.equal(spkiPem(tx.creatorPem), node.keys.publicKeyPems()[1], 'signed as version 2, with version 2\'s certificate');
      assert.ok(tx.signatureVerifies);
      await readByPj(during.id);
      await readByPj(afterRotation.id);
    });

    test('switching identity in the middle of a transaction: it keeps the identity it started with and commits; the next uses the new one', async () => {
      const keys = demo.nodes.pn.keys as VaultKeyService;
      assert.equal(keys.publicKeyPems().length, 2, 'after the rotation above');
      const identities = new VaultFabricIdentity(keys, { pkiMount: 'pki-pn', role: 'fabric-client', commonName: 'pn-switch-test' });
      const v1 = await identities.issue(1);
      const v2 = await identities.issue(2);
      let switched = false;
      // The switch happens while the first proposal is being signed: its endorsement and its envelope come after.
      const ledger: FabricLedger = FabricLedger.connect(fabricConnectionFromFile(connectionPath, 'pn', {
        certificate: v1.certificate, signerHashes: true,
        signer: async (message) => {
          const signature = await v1.signer(message);
          if (!switched) {
            switched = true;
            ledger.switchIdentity(v2);
          }
          return signature;
        },
      }));
      try {
        const first = await ledger.submit('PublishBundle', [JSON.stringify(bundle(alert({ by: IDENTITIES.pn, name: 'Under way during a switch' })))]);
        assert.ok(switched);
        const second = await ledger.submit('PublishBundle', [JSON.stringify(bundle(alert({ by: IDENTITIES.pn, name: 'After the switch' })))]);
        const tx1 = await transactionOnPeer(observer.gateway, connection.channel, first.txId);
        const tx2 = await transactionOnPeer(observer.gateway, connection.channel, second.txId);
        assert.ok(tx1.valid && tx1.signatureVerifies);
        assert.equal(spkiPem(tx1.creatorPem), keys.publicKeyPems()[0], 'the transaction under way: version 1 throughout');
        assert.ok(tx2.valid && tx2.signatureVerifies);
        assert.equal(spkiPem(tx2.creatorPem), keys.publicKeyPems()[1], 'the next one: version 2');
      } finally {
        await ledger.close();
      }
    });
  });
});
