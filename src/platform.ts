import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { MIGRATIONS, type AppDb, type Database } from './database.js';
import { AuthCache, loadPrincipal, type Principal } from './infra/auth/principal.js';
import type { Scope, ScopeDirectory } from './infra/auth/scope.js';
import { resolveSession } from './infra/auth/sessions.js';
import { writeAnchor } from './infra/audit/anchors.js';
import { auditAlone, bindAuditKeyring } from './infra/audit/audit.js';
import { RefusalLimiter } from './infra/audit/refusals.js';
import { archiveDbUrlOf, auditAnchorDir, auditKeyringFrom, ConfigError, fieldCipherFrom, filesDirOf, primaryDbUrl, statsDbUrlOf, type Config } from './infra/config.js';
import type { FieldCipher, FieldCipherOptions } from './infra/crypto/field-cipher.js';
import { openDatabase } from './infra/db/database.js';
import { migrateToLatest } from './infra/db/migrator.js';
import { actorOf, createHttpApp } from './infra/http/app.js';
import type { RegisteredRoute } from './infra/http/policy.js';
import { accountRoutes } from './modules/accounts/routes.js';
import { AccountService, seedBuiltinRoles, type AccountSettings } from './modules/accounts/service.js';
import { auditRoutes } from './modules/audit/routes.js';
import { describeDepartment, searchDepartments } from './modules/departments/queries.js';
import { describeGridScope, searchGridScopes } from './modules/grid/directory.js';
import { GridLocatorService, type GridLocatorPort } from './modules/grid/locator-service.js';
import { gridRoutes } from './modules/grid/routes.js';
import { GridService } from './modules/grid/service.js';
import { basemapFrom, gridSettingsFrom } from './modules/grid/settings.js';
import { tileOriginsOf } from './modules/grid/rules/basemap.js';
import { systemRoutes } from './modules/system/routes.js';
import { departmentRoutes } from './modules/departments/routes.js';
import { DepartmentService } from './modules/departments/service.js';
import { IncidentConfigService } from './modules/incidents/configuration.js';
import { ReferenceData } from './modules/incidents/reference.js';
import { incidentRoutes } from './modules/incidents/routes.js';
import { IncidentService } from './modules/incidents/service.js';
import { IncidentAttachments } from './modules/incidents/attachments.js';
import { attachmentRoutes } from './modules/incidents/attachment-routes.js';
import { FileService } from './infra/files/files.js';
import { LocalFileStore } from './infra/files/store.js';
import { acquireLease, SweepScheduler } from './modules/incidents/sweep.js';
import { RateCounters } from './infra/cluster/counters.js';
import { sharedRateLimitStore } from './infra/cluster/rate-limit-store.js';
import { ImportService, importUploadDir } from './modules/basedata/import/service.js';
import { PersonalData } from './modules/basedata/personal.js';
import { basedataRoutes } from './modules/basedata/routes.js';
import { BasedataService } from './modules/basedata/service.js';
import { ShareService } from './modules/basedata/share.js';
import { canReadEvidence } from './modules/evaluation/assessment.js';
import { ApiClientService } from './modules/clients/service.js';
import { apiClientRoutes } from './modules/clients/routes.js';
import { ExchangeService } from './modules/exchange/service.js';
import { exchangeRoutes } from './modules/exchange/routes.js';
import { workforceRoutes } from './modules/workforce/routes.js';
import { teamRoutes } from './modules/workforce/team-routes.js';
import { createWorkforce, type Workforce } from './modules/workforce/service.js';
import { StatisticsStore } from './modules/evaluation/store.js';
import { evaluationRoutes } from './modules/evaluation/routes.js';
import { EvaluationService } from './modules/evaluation/service.js';
import { openBroker } from './infra/feed/broker.js';
import { IncidentLiveFeed } from './modules/command/live.js';
import { commandRoutes } from './modules/command/routes.js';
import { reportRoutes } from './modules/reports/routes.js';
import { ReportService } from './modules/reports/service.js';
import { ArchiveStore } from './modules/archive/store.js';
import { archiveRoutes } from './modules/archive/routes.js';
import { ArchiveScheduler } from './modules/archive/schedule.js';
import { CommandOverviewService } from './modules/command/overview.js';
import { HotlineLinkService } from './modules/hotline-link/service.js';
import { hotlineLinkRoutes } from './modules/hotline-link/routes.js';
import { ShareJobService } from './modules/clients/share-jobs.js';
import { shareJobRoutes } from './modules/clients/share-job-routes.js';
import { PartyService } from './modules/party/service.js';
import { partyRoutes } from './modules/party/routes.js';
import { CadreService } from './modules/cadres/service.js';
import { cadreRoutes } from './modules/cadres/routes.js';
import { LivelihoodService } from './modules/livelihood/service.js';
import { livelihoodRoutes } from './modules/livelihood/routes.js';
import { HotlineService } from './modules/hotline/service.js';
import { hotlineRoutes } from './modules/hotline/routes.js';
import { SuggesterService } from './modules/incidents/suggester/service.js';
import { suggesterRoutes } from './modules/incidents/suggester/routes.js';
import { SuggesterScheduler } from './modules/incidents/suggester/schedule.js';
import { meetingRoutes } from './modules/meetings/routes.js';
import { MeetingService } from './modules/meetings/service.js';
import { hotSpotSource } from './modules/meetings/hotspot-source.js';
import { campaignRoutes } from './modules/campaigns/routes.js';
import { CampaignService } from './modules/campaigns/service.js';
import { createFieldCipher } from './infra/crypto/field-cipher.js';
import { WebhookService } from './modules/webhooks/service.js';
import { WebhookDispatcher } from './modules/webhooks/dispatcher.js';
import { WebhookSender } from './modules/webhooks/sender.js';
import { webhookRoutes } from './modules/webhooks/routes.js';
import { NotificationService } from './modules/command/notifications.js';
import { FieldDispatch } from './modules/command/field.js';
import { portalRoutes } from './modules/command/portal-routes.js';
import { CitizenService } from './modules/citizens/service.js';
import { citizenRoutes } from './modules/citizens/routes.js';
import { PublicMapService } from './modules/citizens/public-map.js';
import { open311Routes } from './modules/citizens/open311.js';
import { CascadeService } from './modules/cascade/service.js';
import { CascadeSender } from './modules/cascade/sender.js';
import { cascadeRoutes } from './modules/cascade/routes.js';

/** The package root, whether running from src/ (tsx) or dist/ (compiled). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Everything a running CivicGrid holds: the composition root. */
export interface Platform {
  config: Config;
  db: AppDb;
  logger: Logger;
  authCache: AuthCache;
  scopes: ScopeDirectory;
  accounts: AccountService;
  /** The grid tree: reads, administration, import/export. */
  grid: GridService;
  /** Point → active unit grid code, in memory; rebuilt after every grid change on this node. */
  gridLocator: GridLocatorPort;
  incidents: IncidentService;
  incidentConfig: IncidentConfigService;
  departments: DepartmentService;
  /** Uploaded photos by content hash (infra/files), and their links to incidents. */
  files: FileService;
  attachments: IncidentAttachments;
  basedata: BasedataService;
  imports: ImportService;
  share: ShareService;
  apiClients: ApiClientService;
  exchange: ExchangeService;
  /** Teams, rota, leave, patrols and their tracks, clock records and attendance. */
  workforce: Workforce;
  /** The statistics store: rollups kept from the incident timeline (modules/evaluation, ADR 0009). */
  statistics: StatisticsStore;
  /** KPIs, rankings and breakdowns over the statistics store, for routes, reports and the command screen. */
  evaluation: EvaluationService;
  /** Weekly, monthly and quarterly reports: background jobs, files under <dataDir>/reports (modules/reports). */
  reports: ReportService;
  /** The archive store: closed cases past an age, moved out of the business store (modules/archive, docs/archive.md). */
  archive: ArchiveStore;
  /** 基层党建: party organisations on the grid, members, 联户, activities (modules/party). */
  party: PartyService;
  /** 群工联点: linked cadres, their visits and findings (modules/cadres). */
  cadres: CadreService;
  /** 民生实事: livelihood needs to projects done (modules/livelihood). */
  livelihood: LivelihoodService;
  /** Unsatisfied hotline orders and their revisits (modules/hotline, docs/hotline.md). */
  hotline: HotlineService;
  /** Minor category suggested from a description, learned from the registered cases (docs/category-suggester.md). */
  suggester: SuggesterService;
  /** 三级联席会议: joint meetings, their agendas, decisions and what rises a level (modules/meetings, docs/meetings.md). */
  meetings: MeetingService;
  /** 中心工作: campaigns pushed to grids and filled per target (modules/campaigns, docs/campaigns.md). */
  campaigns: CampaignService;
  /** The users' bell: notifications written from the incident timeline (modules/command, docs/work-portal.md). */
  notifications: NotificationService;
  /** The public intake, the reporter's follow-up and satisfaction ratings (modules/citizens, docs/citizens.md). */
  citizens: CitizenService;
  /** The public map of reports: public categories, coarsened positions, released photos. */
  publicMap: PublicMapService;
  /** Field cipher settings (keys included): never log this. */
  fieldCipher: FieldCipherOptions;
  /** Folder of the signed audit anchors (outside the database). */
  auditAnchorDir: string;
  /** 12345 work orders pushed by API clients, made into cases (modules/hotline-link). */
  hotlineLink: HotlineLinkService;
  /** Bulk verification jobs of share clients (modules/clients/share-jobs.ts). */
  shareJobs: ShareJobService;
  /** Webhook subscriptions of API clients (modules/webhooks, docs/webhooks.md); the dispatcher runs in buildHttp. */
  webhooks: WebhookService;
  /** 上下级级联: cases exchanged with the city platform above and district platforms below (modules/cascade, docs/cascade.md); the sender runs in buildHttp. */
  cascade: CascadeService;
  close(): Promise<void>;
}

/**
 * Refuses to start with field keys that cannot read what is stored: a node
 * of several given other keys (or a generated key file of its own) would
 * otherwise write residents no other node can read.
 */
export function checkFieldKeys(cipher: FieldCipher, storedCipher: string, storedIndex: string): void {
  const advice = 'give every node the same CIVICGRID_FIELD_KEYS and CIVICGRID_FIELD_HMAC_KEY (or the same field key file) as the data was written with (docs/deployment.md)';
  let plain: string;
  try {
    plain = cipher.decrypt(storedCipher);
  } catch (err) {
    throw new ConfigError(`the field keys of this node cannot read the residents already stored (${(err as Error).message}): ${advice}`);
  }
  // A resident still under an older algorithm or key (a rotation under way) was indexed with that one's HMAC: reading it is the proof.
  if (!cipher.needsRotation(storedCipher) && cipher.blindIndex(plain) !== storedIndex) throw new ConfigError(`the field HMAC key of this node does not match the one the residents were indexed with: ${advice}`);
}

export function createLogger(config: Config): Logger {
  const options = {
    level: config.logLevel,
    // Personal data and secrets never reach the logs.
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', '*.password', '*.newPassword', '*.currentPassword', '*.idNumber', '*.phone'],
      censor: '[redacted]',
    },
  };
  // Synchronous: the few lines logged at info come out in order with the start-up banner (printed last);
  // requests are logged at debug (QuietRequestLog), so no hot path writes here at the default level.
  return pino(options, pino.destination({ dest: 1, sync: true }));
}

export function accountSettings(config: Config): AccountSettings {
  return {
    password: { minLength: config.passwordMinLength, minClasses: config.passwordMinClasses },
    session: { idleMs: config.sessionIdleMinutes * 60_000, absoluteMs: config.sessionAbsoluteHours * 3_600_000 },
    lockoutThreshold: config.lockoutThreshold,
    lockoutMs: config.lockoutMinutes * 60_000,
    passwordHistory: 5,
  };
}

/** How often the server refreshes the query planner's statistics (SQLite's advice: hourly on long-lived connections). */
const STATISTICS_REFRESH_MS = 60 * 60 * 1000;
/** How often meeting decisions are checked against their deadlines (deadlines are days apart; minutes are plenty). */
const MEETING_SWEEP_MS = 5 * 60 * 1000;
/** How often each node reads the grid's version mark (one primary-key read); a broker message rings sooner. */
const GRID_VERSION_POLL_MS = 2000;
/** The broker topic that rings the other nodes after a grid change. */
const GRID_TOPIC = 'grid';
/** With several nodes, the holder of this lease writes the audit anchors. */
const ANCHOR_LEASE = 'audit-anchor';

/** Opens the database, applies migrations and seeds what every install needs. */
export async function openPlatform(config: Config, logger: Logger = createLogger(config)): Promise<Platform> {
  const db = openDatabase<Database>({
    url: primaryDbUrl(config),
    replicaUrl: config.dbReplicaUrl,
    readYourWritesSeconds: config.readYourWritesSeconds,
  });
  try {
    const applied = await migrateToLatest(db.primary as never, MIGRATIONS);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    const keyed = await db.primary.selectFrom('audit_log').select('seq').where('key_id', 'is not', null).limit(1).executeTakeFirst();
    const audit = auditKeyringFrom(config, { generate: !keyed });
    if (audit.generated) logger.warn({ keyFile: audit.keyFile }, 'generated the audit chain key file; keep it (and a copy) outside the database, or configure CIVICGRID_AUDIT_KEYS');
    bindAuditKeyring(db.primary, audit.keyring);
    await db.refreshStatistics();
    await seedBuiltinRoles(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  const authCache = new AuthCache();
  const scopes: ScopeDirectory = {
    describe: (scope: Scope) => (scope.kind === 'grid' ? describeGridScope(db, scope.code) : describeDepartment(db, scope.code)),
    async search(query, limit) {
      const grids = await searchGridScopes(db, query, limit);
      const departments = await searchDepartments(db, query, limit);
      return [...grids, ...departments].slice(0, limit);
    },
  };
  const accounts = new AccountService(db, accountSettings(config), scopes, authCache);
  const gridLocator = new GridLocatorService(db);
  await gridLocator.reload();
  const grid = new GridService(db, gridLocator, gridSettingsFrom(config));
  const reference = new ReferenceData(db);
  const incidentConfig = new IncidentConfigService(db, reference);
  const departments = new DepartmentService(db, () => reference.invalidate());
  // Every install needs a working calendar for deadlines; categories come with the demo or an import.
  await incidentConfig.seedCalendar();
  const incidents = new IncidentService(db, reference, gridLocator);
  // Files live under CIVICGRID_FILES_DIR (default <dataDir>/files), one directory every node mounts; an S3-compatible FileStore is the other implementation (docs/files.md).
  const files = new FileService(db.primary, new LocalFileStore(filesDirOf(config)), { uploadLimitBytes: config.uploadLimitBytes });
  const attachments = new IncidentAttachments(db, files, incidents);
  incidents.attachments = attachments;
  incidents.territory = grid.departments;
  let cipherSetup;
  try {
    const encrypted = await db.primary.selectFrom('residents').select('id').limit(1).executeTakeFirst();
    cipherSetup = fieldCipherFrom(config, { generate: !encrypted });
  } catch (err) {
    await db.close();
    throw err;
  }
  try {
    // Every node must hold the keys the stored residents were written with: one read back proves the cipher and the blind-index key.
    const sample = await db.primary.selectFrom('residents').select(['id_cipher', 'id_bidx']).orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (sample) checkFieldKeys(cipherSetup.cipher, sample.id_cipher, sample.id_bidx);
  } catch (err) {
    await db.close();
    throw err;
  }
  if (cipherSetup.generated) {
    logger.warn({ keyFile: cipherSetup.keyFile }, 'generated a field encryption key file for personal data; back it up (losing it loses the ID numbers and phones), or configure CIVICGRID_FIELD_KEYS');
  }
  const personal = new PersonalData(cipherSetup.cipher);
  const basedata = new BasedataService(db, personal);
  const imports = new ImportService(db, cipherSetup.options, importUploadDir(config.dataDir));
  const share = new ShareService(db, personal);
  const apiClients = new ApiClientService(db);
  const exchange = new ExchangeService(db, incidents, reference, gridLocator);
  const hotlineLink = new HotlineLinkService(db, incidents, gridLocator, personal);
  const shareJobs = new ShareJobService(db, share, apiClients, { dataDir: config.dataDir, maxRows: 100_000 }, logger);
  // The working calendar comes from the incident loop's reference data (one instance: calendar edits reach both).
  const workforce = createWorkforce(db, reference, gridLocator);
  // Its own database, migrated lazily by its consumer: a statistics store that is down never stops the platform.
  // Its own database too, migrated at its first use; archived cases stay findable, their photos viewable, and a statistics rebuild counts them.
  const archive = new ArchiveStore(db, { url: archiveDbUrlOf(config) });
  attachments.archived = archive;
  // Assessment evidence (督查考核): supervisors upload it, readers of the unit's results see it.
  attachments.addReader((principal, hash) => canReadEvidence(db, principal, hash), ['evaluation.assess']);
  const statistics = new StatisticsStore(db, { url: statsDbUrlOf(config), calendar: async () => (await reference.get()).calendar, logger, archived: archive });
  const evaluation = new EvaluationService(statistics, db);
  const reports = new ReportService(db, evaluation, { dataDir: config.dataDir, font: config.reportFont }, logger);
  const party = new PartyService(db, personal);
  const cadres = new CadreService(db, incidents);
  const livelihood = new LivelihoodService(db, files);
  // 民生实事 progress photos are uploaded through the same route (modules/livelihood serves them).
  attachments.allowUploads(['livelihood.manage']);
  const hotline = new HotlineService(db, personal, gridLocator, files);
  // Help photos of unsatisfied orders: seen by those who may see the order; grid workers revisiting may upload them.
  attachments.addReader((principal, hash) => hotline.canReadPhoto(principal, hash), ['hotline.revisit']);
  const suggester = new SuggesterService(db, reference);
  const meetings = new MeetingService(db, incidents, livelihood);
  meetings.addCandidateSource(hotSpotSource(db));
  const campaigns = new CampaignService(db, incidents, files);
  // Photo answers of campaign forms: grid workers filling them upload; readers of the campaign in the photo's grid see them.
  attachments.addReader((principal, hash) => campaigns.canReadPhoto(principal, hash), ['campaigns.fill']);
  // Signing secrets are kept encrypted with the field cipher's keys.
  const webhooks = new WebhookService(db, createFieldCipher(cipherSetup.options), { allowHttp: config.webhookAllowHttp });
  const notifications = new NotificationService(db, logger);
  const citizens = new CitizenService(db, incidents, files, reference);
  const publicMap = new PublicMapService(db, incidents, reference, config.publicMapCellMetres);
  // Peers' keys are kept encrypted with the field cipher's keys; a received case's changes are queued for its sender in their own transaction.
  const cascade = new CascadeService(db, incidents, createFieldCipher(cipherSetup.options), { allowHttp: config.webhookAllowHttp });
  incidents.onSaved = cascade.onSaved;
  return {
    config, db, logger, authCache, scopes, accounts, grid, gridLocator, incidents, incidentConfig, departments, files, attachments, basedata, imports, share, apiClients, exchange, workforce,
    statistics, evaluation, reports, archive, hotline, suggester, meetings, campaigns, notifications, fieldCipher: cipherSetup.options, auditAnchorDir: auditAnchorDir(config),
    hotlineLink, shareJobs, party, cadres, livelihood, webhooks, citizens, publicMap, cascade,
    close: async () => {
      await reports.stop();
      notifications.stop();
      await statistics.close();
      await archive.close();
      await db.close();
    },
  };
}

export async function principalFor(platform: Platform, userId: number, sessionId: string | null = null): Promise<Principal | null> {
  return loadPrincipal(platform.db.primary, platform.authCache, userId, {
    sessionId,
    passwordMaxAgeDays: platform.config.passwordMaxAgeDays,
  });
}

/** Builds the HTTP server with every module's routes and the web console. */
export async function buildHttp(platform: Platform): Promise<{ app: FastifyInstance; routes: RegisteredRoute[] }> {
  const { config, db } = platform;
  const settings = accountSettings(config);
  const refusals = new RefusalLimiter(config.refusalAuditPerMinute);
  const { app, routes } = await createHttpApp({
    logger: platform.logger,
    bodyLimitBytes: config.bodyLimitBytes,
    version: VERSION,
    trustedProxies: config.trustedProxies,
    async onRefused(request, status, code) {
      const entry = refusals.admit(actorOf(request), { method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0]!, status, code });
      if (!entry) return;
      await auditAlone(db.primary, actorOf(request), entry).catch((err: unknown) => request.log.error({ err }, 'auditing a refused request failed'));
    },
    webDir: resolve(PACKAGE_ROOT, config.webDir),
    tileOrigins: tileOriginsOf(basemapFrom(config)),
    // Route limits (the login's) are counted in the database, so they hold across every API node.
    rateLimitStore: sharedRateLimitStore(new RateCounters(db)),
    async authenticate(token) {
      const cached = platform.authCache.principal(token);
      if (cached) return cached;
      const version = platform.authCache.version;
      const session = await resolveSession(db.primary, token, settings.session);
      if (session.status === 'expired') return 'expired';
      if (session.status === 'missing') return null;
      const principal = await principalFor(platform, session.userId, session.id);
      if (principal) platform.authCache.keepPrincipal(token, principal, session.expiresAt, version);
      return principal;
    },
  });
  await systemRoutes(app, { db, migrations: MIGRATIONS, version: VERSION });
  await accountRoutes(app, {
    accounts: platform.accounts,
    scopes: platform.scopes,
    cookieSecure: config.cookieSecure,
    sessionAbsoluteMs: settings.session.absoluteMs,
    loginRateLimitPerMinute: config.loginRateLimitPerMinute,
    principalFor: (userId) => principalFor(platform, userId),
  });
  await auditRoutes(app, { db });
  await gridRoutes(app, { grids: platform.grid });
  await departmentRoutes(app, { departments: platform.departments });
  await incidentRoutes(app, { incidents: platform.incidents, config: platform.incidentConfig });
  await attachmentRoutes(app, { files: platform.files, attachments: platform.attachments });
  await basedataRoutes(app, {
    basedata: platform.basedata, imports: platform.imports, share: platform.share, apiClients: platform.apiClients, incidents: platform.incidents,
    dataDir: config.dataDir, importWorkers: 1,
  });
  await workforceRoutes(app, { workforce: platform.workforce });
  await teamRoutes(app, { workforce: platform.workforce });
  await evaluationRoutes(app, { evaluation: platform.evaluation, db, files: platform.files, incidents: platform.incidents, archive: platform.archive });
  // The live feed: one tail per node, woken by this node's commits and, through the broker, by the others'.
  const broker = await openBroker(config.liveBrokerUrl, platform.logger).catch((err: unknown) => {
    platform.logger.error({ err }, 'the live broker is unreachable: other nodes\' events reach this one by polling (1 s)');
    return openBroker(null);
  });
  const live = new IncidentLiveFeed({ db, broker, logger: platform.logger });
  await live.start();
  // A grid change on any node (or by the CLI) reaches this node's locator: the version mark is the truth, the broker only rings.
  const locator = platform.grid.locator;
  const refreshGrid = () => {
    locator.refreshIfChanged().catch((err: unknown) => platform.logger.warn({ err }, 'reloading the grid locator failed'));
  };
  locator.onChanged = () => broker.notify(GRID_TOPIC);
  await broker.listen(GRID_TOPIC, refreshGrid).catch((err: unknown) => platform.logger.warn({ err }, 'the live broker refused the grid topic: grid changes of other nodes arrive by polling'));
  const gridWatch = setInterval(refreshGrid, GRID_VERSION_POLL_MS);
  gridWatch.unref();
  const overview = new CommandOverviewService(db, platform.incidents, platform.evaluation, platform.workforce.duty);
  await commandRoutes(app, { live, overview });
  await reportRoutes(app, { reports: platform.reports });
  await archiveRoutes(app, { archive: platform.archive });
  await apiClientRoutes(app, { apiClients: platform.apiClients });
  await exchangeRoutes(app, { exchange: platform.exchange });
  await hotlineLinkRoutes(app, { hotlineLink: platform.hotlineLink, apiClients: platform.apiClients, citizens: platform.citizens });
  await shareJobRoutes(app, { shareJobs: platform.shareJobs, apiClients: platform.apiClients });
  await partyRoutes(app, { party: platform.party });
  await cadreRoutes(app, { cadres: platform.cadres });
  await livelihoodRoutes(app, { livelihood: platform.livelihood, files: platform.files });
  await hotlineRoutes(app, { hotline: platform.hotline });
  await suggesterRoutes(app, { suggester: platform.suggester });
  await meetingRoutes(app, { meetings: platform.meetings });
  await campaignRoutes(app, { campaigns: platform.campaigns });
  // Webhooks follow the live feed's tail, off the request path; the lease picks one node of several to send.
  const webhookSender = new WebhookSender(config.webhookTimeoutMs, `CivicGrid-Webhooks/${VERSION}`);
  const webhookDispatcher = new WebhookDispatcher(db, platform.webhooks, webhookSender, {
    backoff: { baseMs: config.webhookRetryBaseMs, capMs: config.webhookRetryCapMs }, failingAfter: config.webhookFailingAfter, pauseAfter: config.webhookPauseAfter, logger: platform.logger,
  });
  platform.webhooks.dispatcher = webhookDispatcher;
  await webhookRoutes(app, { webhooks: platform.webhooks, apiClients: platform.apiClients, sender: webhookSender });
  webhookDispatcher.start(live.tail);
  await portalRoutes(app, { db, notifications: platform.notifications, field: new FieldDispatch(db, platform.incidents, platform.workforce.duty) });
  await citizenRoutes(app, { citizens: platform.citizens, publicMap: platform.publicMap, files: platform.files });
  await open311Routes(app, { incidents: platform.incidents, publicMap: platform.publicMap, reference: platform.publicMap.reference, apiClients: platform.apiClients });
  // The cascade outbox: one node (by lease) delivers it, woken by this node's sends and by a poll.
  const cascadeSender = new CascadeSender(db, platform.cascade, platform.incidents, {
    timeoutMs: config.cascadeTimeoutMs, backoff: { baseMs: config.cascadeRetryBaseMs, capMs: config.cascadeRetryCapMs }, pollMs: config.cascadePollMs,
    userAgent: `CivicGrid-Cascade/${VERSION}`, logger: platform.logger,
  });
  platform.cascade.onQueued = () => cascadeSender.wake();
  await cascadeRoutes(app, { cascade: platform.cascade, apiClients: platform.apiClients, wake: () => cascadeSender.wake() });
  cascadeSender.start();
  // The clock sweep runs in the server process; the lease picks one node of several.
  const sweep = new SweepScheduler(db, platform.incidents, platform.logger);
  sweep.start();
  platform.statistics.start();
  platform.reports.start();
  await platform.notifications.start();
  // The daily move to the archive store; the lease picks one node, and none runs it while CIVICGRID_ARCHIVE_AFTER_DAYS is 0.
  const archiving = new ArchiveScheduler(db, platform.archive, platform.logger, config.archiveAfterDays);
  archiving.start();
  // The suggester retrains daily (the lease row picks one node); `civicgrid suggest train` retrains at once.
  const suggesting = new SuggesterScheduler(db, platform.suggester, platform.logger);
  suggesting.start();
  const statistics = setInterval(() => {
    db.refreshStatistics().catch((err: unknown) => platform.logger.warn({ err }, 'refreshing planner statistics failed'));
  }, STATISTICS_REFRESH_MS);
  statistics.unref();
  // Signed anchors of the audit chain, outside the database (docs/adr/0010-audit-chain.md).
  let lastAnchorSeq: number | null = null;
  const anchorHolder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const anchors = config.auditAnchorMinutes > 0
    ? setInterval(() => {
      // One node of several writes them (the anchor folder is shared, or the holder's own).
      acquireLease(db, ANCHOR_LEASE, anchorHolder, config.auditAnchorMinutes * 3 * 60_000)
        .then((held) => (held ? writeAnchor(db.primary, platform.auditAnchorDir, lastAnchorSeq) : null))
        .then((a) => { if (a) lastAnchorSeq = a.seq; })
        .catch((err: unknown) => platform.logger.error({ err }, 'writing an audit anchor failed'));
    }, config.auditAnchorMinutes * 60_000)
    : null;
  anchors?.unref();
  // Meeting decisions past their deadline raise their item a level; the claim on the decision row keeps it once across nodes.
  const meetingClock = setInterval(() => {
    platform.meetings.sweep().catch((err: unknown) => platform.logger.error({ err }, 'the meeting decision sweep failed'));
  }, MEETING_SWEEP_MS);
  meetingClock.unref();
  app.addHook('onClose', async () => {
    clearInterval(meetingClock);
    clearInterval(gridWatch);
    locator.onChanged = null;
    sweep.stop();
    void archiving.stop();
    void suggesting.stop();
    platform.statistics.stop();
    live.stop();
    await webhookDispatcher.stop();
    webhookSender.close();
    await cascadeSender.stop();
    platform.notifications.stop();
    void platform.reports.stop();
    clearInterval(statistics);
    if (anchors) clearInterval(anchors);
    await broker.close();
  });
  await app.ready();
  return { app, routes };
}
