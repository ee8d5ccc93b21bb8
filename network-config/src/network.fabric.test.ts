/**
 * The real network, end to end: network:up in a temporary state folder (its own ports), a transaction submitted
 * through @hyperledger/fabric-gateway as pn, endorsed by a majority of agencies and committed; the same kind of
 * transaction endorsed by pn alone is refused at validation; network:down leaves nothing running.
 *
 * Needs the Fabric install (scripts/tools.sh or network-config/scripts/install-fabric.sh); without it the test fails.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { AGENCIES, bundleJson, indicatorFixture } from '@popart/chaincode/testing';
import { readConnectionFile, type AgencyConnection, type ConnectionFile } from './connection.js';

/** ReadObject on a peer that may not have committed the object's block yet: asked again until it has, for up to 15 s. */
async function readOnceCommitted(contract: Contract, id: string): Promise<Uint8Array> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await contract.evaluateTransaction('ReadObject', id, '');
    } catch (err) {
      if (Date.now() > deadline || !/NOT_FOUND/.test(String((err as { details?: unknown }).details ?? '') + String(err))) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
import { down, status, up } from './network.js';
import { paths, resolveOptions, type NetworkOptions } from './options.js';
import { isOurs, readPid } from './processes.js';

const options: NetworkOptions = resolveOptions({
  home: mkdtempSync(join(tmpdir(), 'popart-fabric-test-')),
  portBase: Number(process.env.POPART_FABRIC_TEST_PORT_BASE ?? 27000),
  consensus: 'bft',
});
if (!existsSync(join(options.fabricHome, 'bin', 'peer'))) {
  throw new Error(`Fabric is not installed in ${options.fabricHome}: scripts/tools.sh (run by npm test) installs it; a missing Fabric is a failure, never a skip`);
}

/** TxValidationCode values (fabric-protos peer/transaction.proto). */
const VALID = 0;
const ENDORSEMENT_POLICY_FAILURE = 10;

function gatewayFor(agency: AgencyConnection): { gateway: Gateway; client: grpc.Client } {
  const client = new grpc.Client(agency.peer.endpoint, grpc.credentials.createSsl(readFileSync(agency.peer.tlsCACertPath)), {
    'grpc.ssl_target_name_override': agency.peer.hostnameOverride,
  });
  const gateway = connect({
    client,
    identity: { mspId: agency.mspId, credentials: readFileSync(agency.user.certPath) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(agency.user.keyPath))),
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 15_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
    submitOptions: () => ({ deadline: Date.now() + 15_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  return { gateway, client };
}

describe('the native Fabric network', { timeout: 420_000 }, () => {
  let connection: ConnectionFile;
  const opened: { gateway: Gateway; client: grpc.Client }[] = [];
  const contractOf = (key: 'pn' | 'pj'): Contract => {
    const agency = connection.agencies[key];
    assert.ok(agency, `${key} in the connection file`);
    const g = gatewayFor(agency);
    opened.push(g);
    return g.gateway.getNetwork(connection.channel).getContract(connection.chaincode, connection.contract);
  };

  before(async () => {
    const result = await up(options, (line) => console.log(`# ${line}`));
    connection = readConnectionFile(result.connectionFile);
  }, { timeout: 240_000 });

  after(async () => {
    for (const { gateway, client } of opened) { gateway.close(); client.close(); }
    const pids = paths(options).pids;
    const records = existsSync(pids) ? readdirSync(pids).map((f) => readPid(pids, f.replace(/\.pid$/, ''))) : [];
    await down(options, { clean: true });
    for (const r of records) if (r) assert.equal(isOurs(r), false, `pid ${r.pid} (${r.command}) still running after down`);
  }, { timeout: 60_000 });

  it('is ready: every process healthy, gossip complete, the chaincode answering on every peer; the connection file names the four agencies', async () => {
    const s = await status(options);
    assert.equal(s.ok, true, JSON.stringify(s.processes));
    assert.equal(s.processes.length, 4 + 4 + 4);
    assert.deepEqual(Object.values(connection.agencies).map((a) => a.mspId), ['PnMSP', 'PjMSP', 'MadMSP', 'CrmMSP']);
    assert.equal(connection.orderers.length, 4);
    for (const a of Object.values(connection.agencies)) {
      for (const f of [a.peer.tlsCACertPath, a.admin.certPath, a.admin.keyPath, a.user.certPath, a.user.keyPath]) assert.ok(existsSync(f), f);
    }
  });

  it('commits pn\'s transactions endorsed by a majority of agencies, and refuses one endorsed by pn alone', async () => {
    const pn = contractOf('pn');
    const pj = contractOf('pj');
    const pnIdentity = AGENCIES.pn.identity;

    // registration, endorsed where the gateway chooses (a majority, by the chaincode's policy)
    const register = await pn.submitAsync('RegisterAgency', { arguments: [JSON.stringify(pnIdentity)] });
    const registered = await register.getStatus();
    assert.equal(registered.code, VALID, `RegisterAgency: validation code ${registered.code}`);

    // a bundle endorsed by pn alone: the peers refuse it at validation (no agency writes alone)
    const alone = indicatorFixture({ uuid: '6f1d0d3a-6a55-4b8e-9a59-1a1f0c2a0a01', createdBy: pnIdentity.id });
    const aloneCommit = await pn.submitAsync('PublishBundle', { arguments: [bundleJson([alone])], endorsingOrganizations: ['PnMSP'] });
    const aloneStatus = await aloneCommit.getStatus();
    assert.equal(aloneStatus.successful, false);
    assert.equal(aloneStatus.code, ENDORSEMENT_POLICY_FAILURE);
    await assert.rejects(pj.evaluateTransaction('ReadObject', alone.id as string, ''), 'the object endorsed by pn alone is not on the ledger');

    // the same kind of bundle endorsed by three of the four agencies: committed, and pj reads it
    const object = indicatorFixture({ uuid: '6f1d0d3a-6a55-4b8e-9a59-1a1f0c2a0a02', createdBy: pnIdentity.id });
    const commit = await pn.submitAsync('PublishBundle', { arguments: [bundleJson([object])], endorsingOrganizations: ['PnMSP', 'PjMSP', 'MadMSP'] });
    const committed = await commit.getStatus();
    assert.equal(committed.code, VALID, `PublishBundle: validation code ${committed.code}`);
    // The commit status comes from pn's peer; pj's peer commits the same block a moment later.
    const record = JSON.parse(Buffer.from(await readOnceCommitted(pj, object.id as string)).toString('utf8')) as { publisher_msp: string; tx_id: string; object: { id: string } };
    assert.equal(record.publisher_msp, 'PnMSP');
    assert.equal(record.object.id, object.id);
    assert.equal(record.tx_id, commit.getTransactionId());
  });
});
