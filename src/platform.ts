import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { MIGRATIONS, type AppDb, type Database } from './database.js';
import { loadPrincipal, RoleCache, type Principal } from './infra/auth/principal.js';
import type { Scope, ScopeDirectory } from './infra/auth/scope.js';
import { resolveSession } from './infra/auth/sessions.js';
import { primaryDbUrl, type Config } from './infra/config.js';
import { openDatabase } from './infra/db/database.js';
import { migrateToLatest } from './infra/db/migrator.js';
import { createHttpApp } from './infra/http/app.js';
import type { RegisteredRoute } from './infra/http/policy.js';
import { accountRoutes } from './modules/accounts/routes.js';
import { AccountService, seedBuiltinRoles, type AccountSettings } from './modules/accounts/service.js';
import { auditRoutes } from './modules/audit/routes.js';
import { describeDepartment, searchDepartments } from './modules/departments/queries.js';
import { describeGridScope, searchGridScopes } from './modules/grid/directory.js';
import { systemRoutes } from './modules/system/routes.js';

/** The package root, whether running from src/ (tsx) or dist/ (compiled). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Everything a running CivicGrid holds: the composition root. */
export interface Platform {
  config: Config;
  db: AppDb;
  logger: Logger;
  roleCache: RoleCache;
  scopes: ScopeDirectory;
  accounts: AccountService;
  close(): Promise<void>;
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    // Personal data and secrets never reach the logs.
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', '*.password', '*.newPassword', '*.currentPassword', '*.idNumber', '*.phone'],
      censor: '[redacted]',
    },
  });
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
    await seedBuiltinRoles(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  const roleCache = new RoleCache();
  const scopes: ScopeDirectory = {
    describe: (scope: Scope) => (scope.kind === 'grid' ? describeGridScope(db, scope.code) : describeDepartment(db, scope.code)),
    async search(query, limit) {
      const grids = await searchGridScopes(db, query, limit);
      const departments = await searchDepartments(db, query, limit);
      return [...grids, ...departments].slice(0, limit);
    },
  };
  const accounts = new AccountService(db, accountSettings(config), scopes, roleCache);
  return { config, db, logger, roleCache, scopes, accounts, close: () => db.close() };
}

export async function principalFor(platform: Platform, userId: number, sessionId: string | null = null): Promise<Principal | null> {
  return loadPrincipal(platform.db.primary, platform.roleCache, userId, {
    sessionId,
    passwordMaxAgeDays: platform.config.passwordMaxAgeDays,
  });
}

/** Builds the HTTP server with every module's routes and the web console. */
export async function buildHttp(platform: Platform): Promise<{ app: FastifyInstance; routes: RegisteredRoute[] }> {
  const { config, db } = platform;
  const settings = accountSettings(config);
  const { app, routes } = await createHttpApp({
    logger: platform.logger,
    bodyLimitBytes: config.bodyLimitBytes,
    version: VERSION,
    webDir: resolve(PACKAGE_ROOT, config.webDir),
    async authenticate(token) {
      const session = await resolveSession(db.primary, token, settings.session);
      if (session.status === 'expired') return 'expired';
      if (session.status === 'missing') return null;
      return principalFor(platform, session.userId, session.id);
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
  await app.ready();
  return { app, routes };
}
