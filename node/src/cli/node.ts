#!/usr/bin/env node
/**
 * popart-node: runs one agency node from a configuration file, or hashes a password for it.
 */
import './quiet-contract-logs.js';
import { ThreatExchangeContract } from '@popart/chaincode';
import { parseArgs } from 'node:util';
import { AgencyNode, openKeys } from '../agency-node.js';
import { describeVerification, verifyAuditOffline } from '../modules/audit/verify-command.js';
import { hashPassword } from '../auth/passwords.js';
import { newApiKey } from '../auth/api-keys.js';
import { loadConfigFile } from '../config/config.js';
import { webhookSecretName } from '../modules/webhooks/webhook-signature.js';
import { fabricEnroll } from './fabric-enroll.js';
import { EmbeddedLedger } from '../ledger/embedded/index.js';
import { exerciseCli } from './exercise.js';

const HELP = `Usage:
  popart-node run --config FILE      start one agency node
  popart-node hash-password          read a password on stdin, print its scrypt hash for the config
  popart-node api-key --id ID        a new API key for a partner system: prints the token to give the partner
                                     (once) and the apiKeys entry (with the secret's hash) for the config
  popart-node webhook-secret --config FILE --webhook ID
                                     print (base64) the 32-byte signing secret of webhook ID for its receiver:
                                     X-Popart-Signature is HMAC-SHA256 with it (created in the key service if new)
  popart-node audit-verify --config FILE
                                     check the agency's audit log (hash chain and ledger anchors) with the
                                     node stopped; exit code 0 when intact, 1 otherwise
  popart-node fabric-enroll --config FILE [--ca-cert FILE --ca-key FILE] [--out FILE]
                                     with keys in the vault on Fabric: provision the agency in the vault (transit,
                                     KV, AppRole: its credentials are printed), import the organisation's CA into
                                     its PKI mount (VAULT_TOKEN: an administrator's; default CA: <org>/ca/ of the
                                     network the connection file belongs to) and issue the node's certificate for
                                     its transit key (written to --out when given)
  popart-node exercise run|report|remove|list …
                                     training: replay a scenario into the nodes, marked as exercise; who did what
                                     when; remove it afterwards (popart-node exercise --help)
  popart-node --help

With "ledger": { "kind": "embedded" } the node opens the embedded ledger in ledger.dir by itself
(one agency per process; the demo runs four agencies on one embedded ledger: npm start).
With "ledger": { "kind": "fabric", "connection": FILE } it submits and listens through its agency's peer
of that Fabric network (network-config's connection file; npm start -- --ledger fabric runs the four
demo agencies this way, one process each).
Environment overlays: POPART_LISTEN_HOST, POPART_LISTEN_PORT, POPART_DATA_DIR, POPART_LEDGER (embedded or
fabric), POPART_LEDGER_DIR, POPART_FABRIC_CONNECTION, POPART_PG_URL; the keystore passphrase comes from POPART_KEYSTORE_PASSPHRASE (or keystore.passphraseEnv).
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  if (process.argv[2] === 'exercise') return exerciseCli(process.argv.slice(3));
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h', default: false },
      id: { type: 'string' }, 'ca-cert': { type: 'string' }, 'ca-key': { type: 'string' }, out: { type: 'string' }, webhook: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(HELP);
    return;
  }
  if (command === 'hash-password') {
    const password = await readStdin();
    if (password.length < 8) throw new Error('the password must have at least 8 characters');
    process.stdout.write((await hashPassword(password)) + '\n');
    return;
  }
  if (command === 'api-key') {
    if (!values.id || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(values.id)) throw new Error('api-key needs --id ID: 2-63 lowercase letters, digits or "-", e.g. misp-gnr');
    const key = newApiKey(values.id);
    process.stdout.write([
      `Token for the partner (shown once; as HTTP Basic: user ${values.id}, password the token):`,
      `  ${key.token}`,
      'Entry for the node configuration\'s "apiKeys" (set name, role and purpose):',
      `  ${JSON.stringify({ id: values.id, name: values.id, role: 'analyst', purpose: 'the partner\'s purpose', secretHash: key.secretHash })}`,
      '',
    ].join('\n'));
    return;
  }
  if (command === 'webhook-secret') {
    if (!values.config || !values.webhook) throw new Error('webhook-secret needs --config FILE --webhook ID');
    const config = await loadConfigFile(values.config);
    if (!config.webhooks.some((w) => w.id === values.webhook)) {
      throw new Error(`webhook-secret: no webhook "${values.webhook}" in ${values.config} (its webhooks: ${config.webhooks.map((w) => w.id).join(', ') || 'none'})`);
    }
    const keys = await openKeys(config);
    try {
      process.stdout.write(`${(await keys.secret(webhookSecretName(values.webhook))).toString('base64')}\n`);
    } finally {
      await keys.close();
    }
    return;
  }
  if (command === 'audit-verify') {
    if (!values.config) throw new Error('audit-verify needs --config FILE');
    const config = await loadConfigFile(values.config);
    const verdict = await verifyAuditOffline(config);
    process.stdout.write(describeVerification(config.agency, verdict));
    process.exit(verdict.ok ? 0 : 1);
  }
  if (command === 'fabric-enroll') {
    if (!values.config) throw new Error('fabric-enroll needs --config FILE');
    if (!process.env.VAULT_TOKEN) throw new Error('fabric-enroll needs VAULT_TOKEN: a vault administrator\'s token (it imports the CA)');
    if (Boolean(values['ca-cert']) !== Boolean(values['ca-key'])) throw new Error('--ca-cert and --ca-key go together');
    const config = await loadConfigFile(values.config);
    const e = await fabricEnroll(config, {
      adminToken: process.env.VAULT_TOKEN,
      ...(values['ca-cert'] ? { caCertPath: values['ca-cert'] } : {}), ...(values['ca-key'] ? { caKeyPath: values['ca-key'] } : {}),
      ...(values.out ? { out: values.out } : {}),
    });
    const oneLine = (dn: string): string => dn.split('\n').join(', ');
    process.stdout.write([
      `${config.agency.name}: the organisation's CA (${oneLine(e.caSubject)}, sha256 ${e.ca.fingerprint}) issues from ${e.ca.pkiMount}, role ${e.ca.role}.`,
      `Certificate for transit key version ${e.keyVersion}: ${oneLine(e.subject)}, valid until ${e.notAfter.toISOString()}${values.out ? `, written to ${values.out}` : ''}.`,
      'The node issues its own certificate from that role at each start, on rotation and before expiry.',
      `Its AppRole (for the node only, keep it out of logs): export VAULT_ROLE_ID=${e.appRole.roleId} VAULT_SECRET_ID=${e.appRole.secretId}`,
      '',
    ].join('\n'));
    return;
  }
  if (command !== 'run') throw new Error(`unknown command "${command}" (see --help)`);
  if (!values.config) throw new Error('run needs --config FILE');
  const config = await loadConfigFile(values.config);
  const keys = await openKeys(config);
  const handle = { current: null as EmbeddedLedger | null };
  if (config.ledger.kind === 'embedded') {
    handle.current = await EmbeddedLedger.open({
      dir: config.ledger.dir,
      orgs: [{ mspId: config.agency.mspId, publicKeyPem: keys.publicKeyPems()[0] as string }],
      contract: new ThreatExchangeContract(),
    });
  }
  const node = await AgencyNode.start(config, { ledgerHandle: handle, keys });
  process.stdout.write(`${config.agency.name} node ready at ${node.url}\n`);
  let stopping = false;
  const stop = (): void => {
    // Ctrl-C in a terminal reaches both the demo and its children, and the demo forwards it too
    if (stopping) return;
    stopping = true;
    node.stop().then(() => handle.current?.close()).then(() => keys.close()).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`popart-node: ${(err as Error).message}\n`);
  process.exit(1);
});
