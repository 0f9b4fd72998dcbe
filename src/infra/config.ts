import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Settings come from environment variables and an optional JSON config file
 * (CIVICGRID_CONFIG, default <dataDir>/civicgrid.json). Environment wins.
 * Every setting is validated at start; a bad one stops the process with a
 * message that names it.
 */
const booleanish = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
  dataDir: z.string().min(1).default('./data'),
  dbUrl: z
    .string()
    .regex(/^(sqlite:|mysql:\/\/|mariadb:\/\/)/, 'must start with sqlite:, mysql:// or mariadb://')
    .optional(),
  dbReplicaUrl: z
    .string()
    .regex(/^(mysql:\/\/|mariadb:\/\/)/, 'must start with mysql:// or mariadb://')
    .optional(),
  host: z.string().default('0.0.0.0'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Mark the session cookie Secure; turn on behind HTTPS. */
  cookieSecure: booleanish.default(false),
  sessionIdleMinutes: positiveInt.default(30),
  sessionAbsoluteHours: positiveInt.default(12),
  passwordMinLength: z.coerce.number().int().min(8).max(128).default(8),
  passwordMinClasses: z.coerce.number().int().min(1).max(4).default(3),
  /** MLPS level 2 asks for periodic change; 0 turns expiry off (OWASP ASVS 5 advice). */
  passwordMaxAgeDays: z.coerce.number().int().min(0).default(90),
  lockoutThreshold: positiveInt.default(5),
  lockoutMinutes: positiveInt.default(15),
  loginRateLimitPerMinute: positiveInt.default(20),
  bodyLimitBytes: positiveInt.default(1_048_576),
  /** After a user's write, that user's reads stay on the primary this long. */
  readYourWritesSeconds: z.coerce.number().int().min(0).default(5),
  auditRetentionDays: z.coerce.number().int().min(180, 'must be at least 180 (MLPS level 2)').default(365),
  /** Serve the built web console from this folder when it exists. */
  webDir: z.string().default('web/dist'),
});

export type Config = z.infer<typeof configSchema>;

/** Environment variable for each setting. */
const ENV_NAMES: Record<keyof Config, string> = {
  dataDir: 'CIVICGRID_DATA_DIR',
  dbUrl: 'CIVICGRID_DB_URL',
  dbReplicaUrl: 'CIVICGRID_DB_REPLICA_URL',
  host: 'HOST',
  port: 'PORT',
  logLevel: 'CIVICGRID_LOG_LEVEL',
  cookieSecure: 'CIVICGRID_COOKIE_SECURE',
  sessionIdleMinutes: 'CIVICGRID_SESSION_IDLE_MINUTES',
  sessionAbsoluteHours: 'CIVICGRID_SESSION_ABSOLUTE_HOURS',
  passwordMinLength: 'CIVICGRID_PASSWORD_MIN_LENGTH',
  passwordMinClasses: 'CIVICGRID_PASSWORD_MIN_CLASSES',
  passwordMaxAgeDays: 'CIVICGRID_PASSWORD_MAX_AGE_DAYS',
  lockoutThreshold: 'CIVICGRID_LOCKOUT_THRESHOLD',
  lockoutMinutes: 'CIVICGRID_LOCKOUT_MINUTES',
  loginRateLimitPerMinute: 'CIVICGRID_LOGIN_RATE_LIMIT',
  bodyLimitBytes: 'CIVICGRID_BODY_LIMIT_BYTES',
  readYourWritesSeconds: 'CIVICGRID_READ_YOUR_WRITES_SECONDS',
  auditRetentionDays: 'CIVICGRID_AUDIT_RETENTION_DAYS',
  webDir: 'CIVICGRID_WEB_DIR',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const fromEnv: Record<string, unknown> = {};
  for (const [key, envName] of Object.entries(ENV_NAMES)) {
    const value = env[envName];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const dataDir = String(overrides.dataDir ?? fromEnv.dataDir ?? './data');
  const filePath = env.CIVICGRID_CONFIG ?? resolve(dataDir, 'civicgrid.json');
  let fromFile: Record<string, unknown> = {};
  if (existsSync(filePath)) {
    try {
      fromFile = JSON.parse(readFileSync(filePath, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${filePath} is not valid JSON: ${(err as Error).message}`);
    }
    const unknownKeys = Object.keys(fromFile).filter((k) => !(k in ENV_NAMES));
    if (unknownKeys.length > 0) throw new ConfigError(`config file ${filePath}: unknown setting(s) ${unknownKeys.join(', ')}`);
  } else if (env.CIVICGRID_CONFIG) {
    throw new ConfigError(`CIVICGRID_CONFIG points to ${filePath}, which does not exist`);
  }
  const definedOverrides = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const parsed = configSchema.safeParse({ ...fromFile, ...fromEnv, ...definedOverrides });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const envName = ENV_NAMES[key as keyof Config];
      return `  ${envName ?? key}${envName ? ` (${key})` : ''}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The primary database URL, defaulting to the embedded SQLite file. */
export function primaryDbUrl(config: Config): string {
  return config.dbUrl ?? `sqlite:${resolve(config.dataDir, 'civicgrid.db')}`;
}
