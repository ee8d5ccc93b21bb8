/**
 * One agency's node, assembled from its configuration: keys, ledger adapter, read model, listener,
 * outbox, policy gate and the GraphQL API. `AgencyNode.start` is the only place parts are created.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAudit, type Audit } from './modules/audit/index.js';
import { RevokedTokens } from './auth/revoked-tokens.js';
import { SessionPurposes } from './auth/session-purposes.js';
import { Sessions, signInAuditRecord } from './auth/sessions.js';
import { ApiKeys } from './auth/api-keys.js';
import { LoginGuard } from './auth/login-guard.js';
import { HttpAuthenticator } from './server/http-auth.js';
import { AuditService } from './modules/audit/audit-service.js';
import { DetectionRunner } from './modules/detection/detection-runner.js';
import { DetectionService } from './modules/detection/detection-service.js';
import type { NodeConfig } from './config/config.js';
import { NodeError } from './errors.js';
import { FileKeystore } from './keys/file-keystore.js';
import type { KeyService } from './keys/key-service.js';
import { VaultKeyService } from './keys/vault-key-service.js';
import { pkiMountOf, VaultFabricIdentity, type FabricIdentity } from './keys/fabric-identity.js';
import { EmbeddedLedgerGateway, type LedgerHandle } from './ledger/embedded-gateway.js';
import type { Ledger } from './ledger/ledger.js';
import { FabricLedger, fabricConnectionFromFile } from './ledger/fabric-ledger.js';
import { ensureKeyTrusted } from './ledger/membership.js';
import { LedgerListener } from './modules/threat/listener.js';
import { Correlator } from './modules/correlation/correlator.js';
import { readServices } from './modules/read-services.js';
import { QuarantineStore } from './modules/threat/quarantine.js';
import { createLogger, type Logger } from './log.js';
import { AgencyDirectory } from './modules/agency/agency-directory.js';
import { agencyIdentity, identityUpdate } from './modules/agency/agency-identity.js';
import type { Services } from './modules/context.js';
import { PublishService } from './modules/publish/publish-service.js';
import { bundleSubmitter } from './modules/publish/submit-bundle.js';
import { privateKeepers, releaseRecipients } from './modules/publish/recipients.js';
import { Outbox } from './modules/publish/outbox.js';
import { EgressGate } from './modules/threat/egress.js';
import type { AgencySubject } from './identity.js';
import type { PolicyGate } from './policy/policy.js';
import { openPolicy } from './policy/open-policy.js';
import { openDatabase, type Database } from './read-model/database.js';
import { indexesToBuild, migrate } from './read-model/migrations.js';
import { ThreatStore } from './modules/threat/threat-store.js';
import { ExerciseService } from './modules/exercise/exercise-service.js';
import { buildSchema } from './server/schema.js';
import { HttpServer } from './server/http-server.js';
import { defaultQueryWorkers, startQueryWorkers, type QueryPool } from './server/query-pool.js';
import { attachPglite } from './read-model/pglite-thread.js';
import { extensionSchemaRoute } from './modules/threat/schema-route.js';
import { AddedStore } from './modules/threat/added-store.js';
import { TaxiiReader } from './modules/taxii/taxii-reader.js';
import { TaxiiRoute } from './modules/taxii/taxii-route.js';
import { TaxiiStatuses } from './modules/taxii/taxii-status.js';
import { CapAlerts } from './modules/cap/cap-alerts.js';
import { capRoute } from './modules/cap/cap-route.js';
import { MispFeed } from './modules/misp-feed/misp-feed.js';
import { MispFeedIndex } from './modules/misp-feed/misp-feed-index.js';
import { mispFeedRoute } from './modules/misp-feed/misp-feed-route.js';
import { WebhookDispatcher } from './modules/webhooks/webhook-dispatcher.js';
import { WebhookStore } from './modules/webhooks/webhook-store.js';
import { PartnerImporter } from './modules/partner-import/partner-importer.js';
import { ImportStore } from './modules/partner-import/import-store.js';

export const VERSION = '0.1.0';

export interface AgencyNodeDeps {
  /** The embedded ledger this node attaches to (required when config.ledger.kind is "embedded"). */
  ledgerHandle?: LedgerHandle;
  keys?: KeyService;
  policy?: PolicyGate;
  log?: Logger;
}

export function keystorePassphrase(config: NodeConfig, env: NodeJS.ProcessEnv = process.env): string {
  const name = config.keystore.kind === 'file' ? config.keystore.passphraseEnv : 'POPART_KEYSTORE_PASSPHRASE';
  const value = env[name];
  if (!value) throw new NodeError('KEYSTORE', `set ${name} to the passphrase of the keystore in ${join(config.dataDir, 'keys')}`);
  return value;
}

/**
 * The key service the configuration names: the encrypted file keystore, or the vault (AppRole from
 * VAULT_ROLE_ID + VAULT_SECRET_ID when both are set, else VAULT_TOKEN).
 */
export async function openKeys(config: NodeConfig, env: NodeJS.ProcessEnv = process.env, log?: Logger): Promise<KeyService> {
  const ks = config.keystore;
  if (ks.kind === 'file') return FileKeystore.open(join(config.dataDir, 'keys'), keystorePassphrase(config, env));
  const appRole = env.VAULT_ROLE_ID && env.VAULT_SECRET_ID ? { roleId: env.VAULT_ROLE_ID, secretId: env.VAULT_SECRET_ID } : undefined;
  return VaultKeyService.open({
    address: ks.address,
    ...(appRole ? { appRole } : env.VAULT_TOKEN ? { token: env.VAULT_TOKEN } : {}),
    signingKey: ks.signingKey ?? `popart-${config.agency.key}-signing`,
    secretsPath: ks.secretsPath ?? `popart/${config.agency.key}`,
    transitMount: ks.transitMount,
    kvMount: ks.kvMount,
    timeoutMs: ks.timeoutMs,
    ...(log ? { log } : {}),
  });
}

export class AgencyNode {
  private constructor(
    readonly config: NodeConfig,
    readonly agency: AgencySubject,
    readonly services: Services,
    readonly listener: LedgerListener,
    readonly outbox: Outbox,
    readonly store: ThreatStore,
    private readonly ledger: Ledger,
    /** The node's read-model database (audit log, outbox, checkpoint). */
    readonly database: Database,
    private readonly http: HttpServer,
    readonly log: Logger,
    private readonly ownedPolicy: PolicyGate | null,
    readonly audit: Audit,
    /** The key service; closed by stop() when the node opened it itself. */
    readonly keys: KeyService,
    private readonly ownsKeys: boolean,
    private readonly sessions: Sessions,
    /** On Fabric with keys in the vault: issues the certificates of the transit key (null otherwise). */
    private readonly fabricIdentity: VaultFabricIdentity | null = null,
    /** The webhooks the agency registered (config webhooks). */
    readonly webhooks: WebhookDispatcher | null = null,
    /** The partner feeds the node pulls (config imports). */
    readonly imports: PartnerImporter | null = null,
    /** Correlation across agencies as objects arrive (modules/correlation). */
    readonly correlator: Correlator | null = null,
    /** The query workers (config queryWorkers), or null: queries run on the node's thread. */
    readonly queries: QueryPool | null = null,
  ) {}

  /**
   * Rotates the agency's signing key without downtime: a new version is created in the key service, the ledger
   * is told to trust it (in a transaction signed with the active key), and only then does signing switch to it.
   * Returns the new version. Transactions signed before stay valid.
   */
  async rotateSigningKey(): Promise<number> {
    if (this.ledger instanceof FabricLedger) return this.rotateFabricSigningKey(this.ledger);
    const membership = this.ledger.membership;
    if (!membership) throw new NodeError('CONFIG_INVALID', 'signing key rotation through the node is available on the embedded ledger and on Fabric');
    const active = this.keys.activeSigningVersion();
    const version = await this.keys.rotateSigningKey();
    await membership.registerKey(this.keys.publicKeyPems()[version - 1] as string, version, active);
    this.keys.activateSigningKey(version);
    this.log.info('signing key rotated', { version, kind: this.keys.kind });
    return version;
  }

  /**
   * On Fabric the MSP trusts a key through its certificate: the new transit key version gets one from the agency's CA
   * first, then certificate and signer are switched together. Transactions under way finish with the previous
   * version and its certificate, which stays valid until it expires, so publishing never stops.
   */
  private async rotateFabricSigningKey(ledger: FabricLedger): Promise<number> {
    const fabricIdentity = this.fabricIdentity;
    if (!fabricIdentity) {
      throw new NodeError('CONFIG_INVALID', 'on Fabric the signing key is rotated with keys in the vault (keystore.kind "vault"), whose CA issues the new ' +
        'key\'s certificate; with a key file, have the organisation\'s CA issue a certificate for a new key, set ledger.identity and restart');
    }
    const version = await this.keys.rotateSigningKey();
    const next = await fabricIdentity.issue(version);
    ledger.switchIdentity(next);
    this.keys.activateSigningKey(version);
    fabricIdentity.keepRenewed(next, (renewed) => ledger.switchIdentity(renewed));
    this.log.info('signing key rotated', { version, kind: this.keys.kind, ledger: 'fabric', certificateNotAfter: next.notAfter.toISOString() });
    return version;
  }

  /** Rotates the session token signing secret: new logins get tokens signed with the new one, existing tokens stay valid. */
  async rotateSessionKey(): Promise<void> {
    await this.keys.rotateSecret('session-token');
    this.sessions.setSecrets(await this.keys.secretVersions('session-token'));
    this.log.info('session token key rotated', { kind: this.keys.kind });
  }

  get url(): string {
    return this.http.url;
  }

  static async start(config: NodeConfig, deps: AgencyNodeDeps = {}): Promise<AgencyNode> {
    const log = deps.log ?? createLogger(config.agency.key);
    // How long each step of the start took (ms), in the "node ready" line: what to look at when a node is slow to start.
    const startedAt = performance.now();
    const startup: Record<string, number> = {};
    let lastMark = startedAt;
    const mark = (step: string): void => {
      const now = performance.now();
      startup[step] = Math.round(now - lastMark);
      lastMark = now;
    };
    const keys = deps.keys ?? (await openKeys(config, process.env, log.child('keys')));
    if (!deps.keys) log.info('keys ready', { kind: keys.kind, signingKeyVersion: keys.activeSigningVersion() });
    const clientId = `x509::CN=${config.agency.key}-node::O=${config.agency.name}`;
    let ledger: Ledger;
    let fabricIdentity: VaultFabricIdentity | null = null;
    let fabricRenewal: FabricIdentity | null = null;
    if (config.ledger.kind === 'embedded') {
      if (!deps.ledgerHandle) throw new NodeError('CONFIG_INVALID', 'ledger.kind "embedded" needs the process to open the embedded ledger and pass it to the node');
      ledger = new EmbeddedLedgerGateway(deps.ledgerHandle, { mspId: config.agency.mspId, clientId }, keys);
    } else {
      const given = config.ledger.identity;
      let identity: Parameters<typeof fabricConnectionFromFile>[2] = given ? { certPath: given.certPath, ...(given.keyPath ? { keyPath: given.keyPath } : {}) } : undefined;
      if (keys instanceof VaultKeyService) {
        // The transit key signs (no key file); its certificate comes from the agency's CA in the vault.
        if (given?.keyPath) throw new NodeError('CONFIG_INVALID', 'ledger.identity.keyPath: with keys in the vault the transit key signs on Fabric; give no key file');
        const ks = config.keystore.kind === 'vault' ? config.keystore : undefined;
        fabricIdentity = new VaultFabricIdentity(keys, {
          pkiMount: ks?.pkiMount ?? pkiMountOf(config.agency.key), role: ks?.pkiRole ?? 'fabric-client', commonName: `${config.agency.key}-node`,
          ...(ks ? { ttl: ks.certificateTtl } : {}), log: log.child('fabric-identity'),
        });
        const id = given ? fabricIdentity.fromCertificate(readFileSync(given.certPath, 'utf8')) : await fabricIdentity.issue();
        if (!given) fabricRenewal = id;
        identity = { certificate: id.certificate, signer: id.signer, signerHashes: true };
        log.info('Fabric identity: transit key in the vault', { version: id.version, certificateNotAfter: id.notAfter.toISOString(), issuedBy: given ? 'given certificate' : 'agency CA (PKI)' });
      } else if (given && !given.keyPath) {
        throw new NodeError('CONFIG_INVALID', 'ledger.identity.keyPath: with the file keystore the node signs on Fabric with the key file of ledger.identity.certPath');
      }
      const connection = fabricConnectionFromFile(config.ledger.connection, config.agency.key, identity);
      if (connection.mspId !== config.agency.mspId) {
        throw new NodeError('CONFIG_INVALID', `ledger.connection: agency ${config.agency.key} is ${connection.mspId} on the network, but agency.mspId says ${config.agency.mspId}`);
      }
      const fabricLedger = FabricLedger.connect(connection);
      ledger = fabricLedger;
      if (fabricIdentity && fabricRenewal) fabricIdentity.keepRenewed(fabricRenewal, (next) => fabricLedger.switchIdentity(next));
      log.info('connecting to Fabric', { peer: connection.peer.endpoint, channel: connection.channel, chaincode: connection.chaincode, mspId: connection.mspId });
    }

    // Parts started so far, stopped in reverse order if a later step fails (no timers or files left open).
    const cleanups: (() => Promise<unknown>)[] = [];
    if (!deps.keys) cleanups.push(() => keys.close());
    cleanups.push(async () => fabricIdentity?.stop());
    cleanups.push(() => ledger.close());
    try {
      const db = await openDatabase(config.readModel.kind === 'postgres'
        ? { kind: 'postgres', url: config.readModel.url }
        : { kind: 'pglite', dir: join(config.dataDir, 'read-model') });
      cleanups.push(() => db.close());
      const building = await indexesToBuild(db);
      if (building.indexes.length) {
        log.info('building the read model\'s new indexes over the objects it holds (once, after an upgrade)', { ...building });
      }
      await migrate(db);
      const store = new ThreatStore(db, 'ledger', log.child('read-model'));
      await store.loadEndedExercises();
      mark('readModel');

      const directory = new AgencyDirectory(ledger);
      await directory.refresh();
      let self = await directory.byMspId(config.agency.mspId);
      if (!self) {
        await ledger.submit('RegisterAgency', [JSON.stringify(agencyIdentity(config, new Date()))]);
        await directory.refresh();
        self = await directory.byMspId(config.agency.mspId);
        log.info('agency registered on the ledger', { identity: self?.identityId, name: config.agency.name });
      }
      if (!self) throw new NodeError('INTERNAL', `agency ${config.agency.mspId} is not in the ledger registry after registering`);
      // An identity registered in an older form (unmarked, before identities were TLP:CLEAR) gets a new version.
      const update = identityUpdate(agencyIdentity(config, new Date()), self.identity, new Date());
      if (update) {
        await ledger.submit('RegisterAgency', [JSON.stringify(update)]);
        await directory.refresh();
        self = (await directory.byMspId(config.agency.mspId)) ?? self;
        log.info('agency identity registered again', { identity: self.identityId, modified: update.modified });
      }
      if (ledger.membership) await ensureKeyTrusted(ledger.membership, keys, log);
      const agency: AgencySubject = { key: config.agency.key, mspId: config.agency.mspId, identityId: self.identityId, level: config.agency.level };
      mark('registry');

      const ownPolicy = deps.policy === undefined;
      const policy = deps.policy ?? (await openPolicy(config.policy, log.child('policy')));
      if (ownPolicy) cleanups.push(() => policy.close());
      log.info('policy ready', { runtime: policy.runtime, revision: policy.revision });
      mark('policy');
      // Correlation across agencies as objects arrive (modules/correlation): first what the read model holds already.
      const correlator = new Correlator(db, log.child('correlation'), config.correlation);
      if (config.correlation.enabled) await correlator.catchUp(await store.checkpoint());
      mark('correlation');
      const listener = new LedgerListener(ledger, store, new QuarantineStore(db), policy, agency, log.child('listener'), (msp) => directory.keyOfFresh(msp),
        config.correlation.enabled ? { onStored: (rows, block) => correlator.follow(rows, block) } : {});
      cleanups.push(() => correlator.close());
      await listener.start();
      cleanups.push(() => listener.stop());
      mark('replication');
      const submitBundle = bundleSubmitter(ledger, privateKeepers(directory, agency));
      const outbox = new Outbox(db, submitBundle, log.child('outbox'));
      const audit = startAudit({ db, ledger, agency, log: log.child('audit') });
      cleanups.push(() => audit.stop());
      const publisher = new PublishService(ledger, outbox, listener, log, audit.log, releaseRecipients(policy, directory, agency), submitBundle);
      outbox.start();
      cleanups.push(() => outbox.stop());
      // Detection sources of the config: their alerts are published as this agency through the publisher.
      const detection = new DetectionRunner({
        sources: config.detection.sources, dataDir: config.dataDir, agency, publisher, log: log.child('detection'),
        identityOf: async (key) => (directory.byAgencyKey(key) ?? (await directory.refresh(), directory.byAgencyKey(key)))?.identityId,
      });
      await detection.start();
      cleanups.push(() => detection.stop());

      const revoked = new RevokedTokens(db);
      await revoked.load();
      const purposes = new SessionPurposes(db);
      await purposes.load();
      // One sign-in guard for passwords (GraphQL login, HTTP Basic) and partner API keys: guesses of either are throttled alike.
      const guard = new LoginGuard();
      const sessions = new Sessions(config.users, agency, await keys.secretVersions('session-token'), config.sessionHours, {
        guard, revoked, purposes,
        onEvent: (event) => audit.log.record(signInAuditRecord(event, agency)).then(() => undefined),
      });
      const apiKeys = new ApiKeys(config.apiKeys, agency, guard, (keyId, address, locks) =>
        audit.log.record(signInAuditRecord({ kind: 'login-failed', username: keyId, knownUser: undefined, address, locks }, agency)).then(() => undefined));
      const gate = new EgressGate(policy, (msp) => directory.keyOf(msp));
      // Alerts as CAP 1.2 (GET /cap/…) and to the webhooks the agency registered, through the same gate.
      const cap = new CapAlerts(store, gate, directory, audit.log, { exercise: config.cap.exercise, language: config.cap.language });
      const webhooks = new WebhookDispatcher(config.webhooks, {
        onRows: (fn) => listener.onRows(fn), gate, cap, keys, store: new WebhookStore(db), audit: audit.log, agency, log: log.child('webhooks'), publicUrl: config.cap.publicUrl,
        closure: (viewer, objects) => services.threats.closure(viewer, objects),
      });
      /** Whether this version of an object is in the read model (on the ledger). */
      const storedVersion = async (id: string, version: string): Promise<boolean> => (await store.versions(id)).some((v) => v.modified === version);
      // Partner feeds in (config imports): pulled on a schedule and published as this agency through the publisher.
      const imports = new PartnerImporter(config.imports, {
        publisher, store: new ImportStore(db), agency, log: log.child('imports'),
        stored: storedVersion,
      });
      imports.start();
      cleanups.push(() => imports.stop());
      // The MISP feed's index of events, kept with every block the listener applies.
      const feedIndex = new MispFeedIndex(store);
      const unindex = listener.onRows((rows) => feedIndex.apply(rows));
      cleanups.push(async () => unindex());
      const services: Services = {
        ...readServices({ db, store, gate, directory, live: listener, audit: audit.log, correlator }),
        sessions,
        httpAuth: new HttpAuthenticator(sessions, apiKeys),
        exercises: new ExerciseService(store, audit.log, directory),
        audit: new AuditService(audit.log, agency),
        publisher,
        agencies: directory,
        ledgerKind: ledger.kind,
        detection: new DetectionService(detection),
        replication: listener,
      };
      await webhooks.start();
      cleanups.push(() => webhooks.stop());
      mark('services');
      const queries = await startQueryWorkers({
        size: config.queryWorkers ?? defaultQueryWorkers(), nice: config.queryWorkerNice, version: VERSION, ledger, policy, correlator, audit: audit.log, directory, log: log.child('queries'),
        database: async () => (config.readModel.kind === 'postgres' ? { kind: 'postgres', url: config.readModel.url } : { kind: 'pglite', port: await attachPglite(db) }),
      });
      cleanups.push(async () => queries?.close());
      mark('queryWorkers');
      const http = await HttpServer.start({
        host: config.listen.host,
        port: config.listen.port,
        schema: buildSchema(VERSION),
        services,
        queries,
        log,
        health: async () => {
          const replication = await listener.status();
          return { status: replication.stuck ? 'stuck' : 'ok', agency: config.agency.key, ledger: ledger.kind, readModel: db.kind, appliedBlock: listener.height(), replication, ...(config.imports.length ? { imports: await imports.status() } : {}) };
        },
        routes: [
          extensionSchemaRoute(),
          new TaxiiRoute({
            auth: services.httpAuth, reader: new TaxiiReader(new AddedStore(db), gate, audit.log, (viewer, objects) => services.threats.closure(viewer, objects)), agencyName: config.agency.name,
            statuses: new TaxiiStatuses(db, publisher, storedVersion),
          }),
          capRoute({ alerts: cap, agency: { key: config.agency.key, name: config.agency.name }, publicUrl: config.cap.publicUrl, authenticate: (authorization, address) => services.httpAuth.authenticate(authorization, address) }),
          // MISP feed (GET /misp-feed/manifest.json, hashes.csv, {uuid}.json) through the same gate and audit.
          mispFeedRoute({ auth: services.httpAuth, feed: new MispFeed(store, gate, directory, audit.log, feedIndex, (viewer, objects) => services.threats.closure(viewer, objects)) })],
      });
      mark('http');
      log.info('node ready', { url: http.url, ledger: ledger.kind, readModel: db.kind, startupMs: { total: Math.round(performance.now() - startedAt), ...startup } });
      return new AgencyNode(config, agency, services, listener, outbox, store, ledger, db, http, log, ownPolicy ? policy : null, audit, keys, deps.keys === undefined, sessions, fabricIdentity, webhooks, imports, correlator, queries);
    } catch (err) {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.fabricIdentity?.stop();
    await this.services.detection.stop();
    await this.http.stop();
    await this.queries?.close();
    await this.webhooks?.stop();
    await this.imports?.stop();
    await this.outbox.stop();
    await this.listener.stop();
    await this.correlator?.close();
    await this.store.statistics.settled();
    await this.audit.stop();
    await this.ledger.close();
    await this.database.close();
    await this.ownedPolicy?.close();
    if (this.ownsKeys) await this.keys.close();
  }
}
