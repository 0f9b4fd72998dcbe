import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseAuditKeys, type AuditKeyring } from './audit/chain.js';
import { BASEMAP_PRESETS, basemapProblems, TILE_CRS, tileUrlProblem } from './map-tiles.js';
import { createFieldCipher, parseKeyConfig, type FieldCipher, type FieldCipherAlgorithm, type FieldCipherOptions } from './crypto/field-cipher.js';

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
  /** The file store (photos and attachments by content hash); default <dataDir>/files. Several API nodes share one directory (docs/deployment.md). */
  filesDir: z.string().min(1).optional(),
  dbUrl: z
    .string()
    .regex(/^(sqlite:|mysql:\/\/|mariadb:\/\/)/, 'must start with sqlite:, mysql:// or mariadb://')
    .optional(),
  dbReplicaUrl: z
    .string()
    .regex(/^(mysql:\/\/|mariadb:\/\/)/, 'must start with mysql:// or mariadb://')
    .optional(),
  /** The statistics store (docs/adr/0009-statistics-store.md); default: beside the primary (statsDbUrlOf). */
  statsDbUrl: z
    .string()
    .regex(/^(sqlite:|mysql:\/\/|mariadb:\/\/)/, 'must start with sqlite:, mysql:// or mariadb://')
    .optional(),
  /** Wakes the other API nodes' live feeds (docs/adr/0011-live-feed.md): redis://… or nats://…; unset: one node, or polling. */
  liveBrokerUrl: z
    .string()
    .regex(/^(rediss?:\/\/|nats:\/\/)/, 'must start with redis://, rediss:// or nats://')
    .optional(),
  /** The archive store (docs/archive.md); default: beside the primary (archiveDbUrlOf). */
  archiveDbUrl: z
    .string()
    .regex(/^(sqlite:|mysql:\/\/|mariadb:\/\/)/, 'must start with sqlite:, mysql:// or mariadb://')
    .optional(),
  /** Closed, rejected and merged cases unchanged for this many days move to the archive store; 0 turns the daily move off. */
  archiveAfterDays: z.coerce.number().int().min(0).max(36_500).default(365),
  /** Cell size of the public map: reported positions are shown at the centre of their cell of this many metres (docs/citizens.md). */
  publicMapCellMetres: z.coerce.number().int().min(10).max(10_000).default(100),
  host: z.string().default('0.0.0.0'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs, comma-separated). Empty: none, so
   * the client address is the socket's and no client can pick its own IP for rate limits and the audit log.
   */
  trustedProxies: z
    .union([z.string(), z.array(z.string())])
    .default('')
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter(Boolean))
    .refine((list) => list.every((x) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(x)), 'must be IP addresses or CIDRs, comma-separated'),
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
  /** Largest photo or file upload accepted (POST /api/files), in bytes. */
  uploadLimitBytes: positiveInt.default(10 * 1_048_576),
  /** After a user's write, that user's reads stay on the primary this long. */
  readYourWritesSeconds: z.coerce.number().int().min(0).default(5),
  auditRetentionDays: z.coerce.number().int().min(180, 'must be at least 180 (MLPS level 2)').default(365),
  /** "id:base64,id2:base64" HMAC keys of the audit chain (at least 32 bytes each); unset = a key file generated under the data directory. */
  auditKeys: z.string().optional(),
  /** Which of auditKeys signs new records (default: the last one listed). */
  auditActiveKey: z.string().optional(),
  /** Where signed audit anchors are appended; best a mount the database's administrators cannot rewrite. */
  auditAnchorDir: z.string().optional(),
  /** Minutes between audit anchors (0: only `civicgrid audit anchor`). */
  auditAnchorMinutes: z.coerce.number().int().min(0).default(60),
  /** Refused requests (403, 404 across scopes, CSRF) audited per client and minute; the rest are counted into the next record. */
  refusalAuditPerMinute: z.coerce.number().int().min(0).default(10),
  /** Serve the built web console from this folder when it exists. */
  webDir: z.string().default('web/dist'),
  /** A CJK font file (TTF, OTF or TTC) for report PDFs; unset: the Debian fonts-wqy-microhei or fonts-noto-cjk file. */
  reportFont: z.string().optional(),
  /** Field encryption of personal data (ID numbers, phones): AES-256-GCM, or SM4-CTR + HMAC-SM3. */
  fieldCipherAlgorithm: z.enum(['aes-256-gcm', 'sm4']).default('aes-256-gcm'),
  /** "id:base64,id2:base64" 32-byte master keys; unset = a key file generated under the data directory. */
  fieldKeys: z.string().optional(),
  /** Which of fieldKeys encrypts new values (default: the last one listed). */
  fieldActiveKeyId: z.string().optional(),
  /** Blind index key (base64, at least 32 bytes); required with fieldKeys. */
  fieldHmacKey: z.string().optional(),
  /** Base map raster tile URL template ({z}/{x}/{y}, optional {key}), XYZ or WMTS-as-XYZ (docs/grid-map.md); unset = plain background. */
  mapTileUrl: z
    .string()
    .superRefine((u, ctx) => {
      const problem = tileUrlProblem(u);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** A label layer drawn above the base layer (same template rules), e.g. Tianditu cva_w. */
  mapTileLabelUrl: z
    .string()
    .superRefine((u, ctx) => {
      const problem = tileUrlProblem(u);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** A ready-made base map instead of a URL: Tianditu vector or imagery, each with its labels (needs mapTileKey). */
  mapTilePreset: z.enum(BASEMAP_PRESETS).optional(),
  /** The tile service's key, put in for {key} (kept apart from the URL so the URL can be shared and the key rotated). */
  mapTileKey: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be 1–128 letters, digits, _ . -')
    .optional(),
  /** The tiles' coordinate system: wgs84 or cgcs2000 (Tianditu, self-hosted OSM) need no shift; gcj02 (AMap, Tencent) shifts the drawing. */
  mapTileCrs: z.enum(TILE_CRS).default('wgs84'),
  /** Attribution shown on the map for that tile source. */
  mapTileAttribution: z.string().max(200).optional(),
  /** Default sibling overlap tolerance of grid imports (m²). */
  gridOverlapToleranceM2: z.coerce.number().min(0).default(1),
  /** Default gap tolerance of grid imports (m²). */
  gridGapToleranceM2: z.coerce.number().min(0).default(1),
  /** Webhook targets may use http:// (not only https://): for receivers on the same host and tests (docs/webhooks.md). */
  webhookAllowHttp: booleanish.default(false),
  /** A webhook request not answered within this many ms is a failed attempt. */
  webhookTimeoutMs: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** First retry pause of a failing webhook subscription (ms); doubled per attempt, with jitter, up to webhookRetryCapMs. */
  webhookRetryBaseMs: z.coerce.number().int().min(1).default(1000),
  webhookRetryCapMs: z.coerce.number().int().min(1).default(3_600_000),
  /** Failed attempts in a row after which a subscription shows as failing (it keeps retrying). */
  webhookFailingAfter: z.coerce.number().int().min(1).default(5),
  /** Failed attempts in a row after which a subscription is paused until an administrator resumes it (30: about a day at the 1 h cap). */
  webhookPauseAfter: z.coerce.number().int().min(1).default(30),
  /** A cascade message to the other platform not answered within this many ms is a failed attempt (docs/cascade.md). */
  cascadeTimeoutMs: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** First retry pause of an undelivered cascade message (ms); doubled per attempt, with jitter, up to cascadeRetryCapMs. */
  cascadeRetryBaseMs: z.coerce.number().int().min(1).default(1000),
  cascadeRetryCapMs: z.coerce.number().int().min(1).default(300_000),
  /** How often the cascade sender looks for due messages besides being woken by new ones (ms). */
  cascadePollMs: z.coerce.number().int().min(10).default(1000),
}).superRefine((c, ctx) => {
  for (const p of basemapProblems({ preset: c.mapTilePreset, url: c.mapTileUrl, labelUrl: c.mapTileLabelUrl, key: c.mapTileKey, crs: c.mapTileCrs })) {
    ctx.addIssue({ code: 'custom', path: [p.setting], message: p.message });
  }
});

export type Config = z.infer<typeof configSchema>;

/** Environment variable for each setting. */
const ENV_NAMES: Record<keyof Config, string> = {
  dataDir: 'CIVICGRID_DATA_DIR',
  filesDir: 'CIVICGRID_FILES_DIR',
  dbUrl: 'CIVICGRID_DB_URL',
  dbReplicaUrl: 'CIVICGRID_DB_REPLICA_URL',
  statsDbUrl: 'CIVICGRID_STATS_DB_URL',
  liveBrokerUrl: 'CIVICGRID_LIVE_BROKER_URL',
  archiveDbUrl: 'CIVICGRID_ARCHIVE_DB_URL',
  archiveAfterDays: 'CIVICGRID_ARCHIVE_AFTER_DAYS',
  publicMapCellMetres: 'CIVICGRID_PUBLIC_MAP_CELL_METRES',
  host: 'HOST',
  port: 'PORT',
  logLevel: 'CIVICGRID_LOG_LEVEL',
  trustedProxies: 'CIVICGRID_TRUSTED_PROXIES',
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
  uploadLimitBytes: 'CIVICGRID_UPLOAD_LIMIT_BYTES',
  readYourWritesSeconds: 'CIVICGRID_READ_YOUR_WRITES_SECONDS',
  auditRetentionDays: 'CIVICGRID_AUDIT_RETENTION_DAYS',
  auditKeys: 'CIVICGRID_AUDIT_KEYS',
  auditActiveKey: 'CIVICGRID_AUDIT_ACTIVE_KEY',
  auditAnchorDir: 'CIVICGRID_AUDIT_ANCHOR_DIR',
  auditAnchorMinutes: 'CIVICGRID_AUDIT_ANCHOR_MINUTES',
  refusalAuditPerMinute: 'CIVICGRID_REFUSAL_AUDIT_PER_MINUTE',
  webDir: 'CIVICGRID_WEB_DIR',
  reportFont: 'CIVICGRID_REPORT_FONT',
  fieldCipherAlgorithm: 'CIVICGRID_FIELD_CIPHER',
  fieldKeys: 'CIVICGRID_FIELD_KEYS',
  fieldActiveKeyId: 'CIVICGRID_FIELD_ACTIVE_KEY',
  fieldHmacKey: 'CIVICGRID_FIELD_HMAC_KEY',
  mapTileUrl: 'CIVICGRID_MAP_TILE_URL',
  mapTileAttribution: 'CIVICGRID_MAP_TILE_ATTRIBUTION',
  mapTileLabelUrl: 'CIVICGRID_MAP_TILE_LABEL_URL',
  mapTilePreset: 'CIVICGRID_MAP_TILE_PRESET',
  mapTileKey: 'CIVICGRID_MAP_TILE_KEY',
  mapTileCrs: 'CIVICGRID_MAP_TILE_CRS',
  gridOverlapToleranceM2: 'CIVICGRID_GRID_OVERLAP_M2',
  gridGapToleranceM2: 'CIVICGRID_GRID_GAP_M2',
  webhookAllowHttp: 'CIVICGRID_WEBHOOK_ALLOW_HTTP',
  webhookTimeoutMs: 'CIVICGRID_WEBHOOK_TIMEOUT_MS',
  webhookRetryBaseMs: 'CIVICGRID_WEBHOOK_RETRY_BASE_MS',
  webhookRetryCapMs: 'CIVICGRID_WEBHOOK_RETRY_CAP_MS',
  webhookFailingAfter: 'CIVICGRID_WEBHOOK_FAILING_AFTER',
  webhookPauseAfter: 'CIVICGRID_WEBHOOK_PAUSE_AFTER',
  cascadeTimeoutMs: 'CIVICGRID_CASCADE_TIMEOUT_MS',
  cascadeRetryBaseMs: 'CIVICGRID_CASCADE_RETRY_BASE_MS',
  cascadeRetryCapMs: 'CIVICGRID_CASCADE_RETRY_CAP_MS',
  cascadePollMs: 'CIVICGRID_CASCADE_POLL_MS',
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

/** Where uploaded files live: CIVICGRID_FILES_DIR, or <dataDir>/files. */
export function filesDirOf(config: Config): string {
  return resolve(config.filesDir ?? resolve(config.dataDir, 'files'));
}

/** The primary database URL, defaulting to the embedded SQLite file. */
export function primaryDbUrl(config: Config): string {
  return config.dbUrl ?? `sqlite:${resolve(config.dataDir, 'civicgrid.db')}`;
}

/**
 * The statistics store's URL: configured, or for a SQLite primary a file
 * beside it (civicgrid.db → civicgrid-stats.db), for a MySQL primary the
 * primary database itself (its stat_* tables; no CREATE DATABASE right
 * needed). ADR 0009 says why.
 */
export function statsDbUrlOf(config: Config): string {
  if (config.statsDbUrl) return config.statsDbUrl;
  const primary = primaryDbUrl(config);
  if (!primary.startsWith('sqlite:')) return primary;
  const path = primary.slice('sqlite:'.length);
  if (path === ':memory:') return primary;
  return `sqlite:${/\.[a-z0-9]+$/i.test(path) ? path.replace(/(\.[a-z0-9]+)$/i, '-stats$1') : `${path}-stats`}`;
}

/**
 * The archive store's URL: configured, or for a SQLite primary a file beside
 * it (civicgrid.db → civicgrid-archive.db), for a MySQL primary the primary
 * database itself (its archive_* tables). docs/archive.md says why.
 */
export function archiveDbUrlOf(config: Config): string {
  if (config.archiveDbUrl) return config.archiveDbUrl;
  const primary = primaryDbUrl(config);
  if (!primary.startsWith('sqlite:')) return primary;
  const path = primary.slice('sqlite:'.length);
  if (path === ':memory:') return primary;
  return `sqlite:${/\.[a-z0-9]+$/i.test(path) ? path.replace(/(\.[a-z0-9]+)$/i, '-archive$1') : `${path}-archive`}`;
}

/** Where the generated field keys live when none are configured. */
export function fieldKeyFile(config: Config): string {
  return resolve(config.dataDir, 'field-keys.json');
}

interface FieldKeyFile {
  keys: string;
  activeKeyId: string;
  hmacKey: string;
}

export interface FieldCipherSetup {
  cipher: FieldCipher;
  /** The options the cipher was made from (import workers build their own cipher from them). */
  options: FieldCipherOptions;
  /** Set when the keys come from (or were just written to) the generated key file. */
  keyFile: string | null;
  generated: boolean;
}

/**
 * The field cipher from configuration. With no keys configured, the keys come
 * from <dataDir>/field-keys.json, which is generated (mode 0600) on first
 * start so that a zero-setup install works; the caller logs that (never the
 * keys). Production deployments configure CIVICGRID_FIELD_KEYS and
 * CIVICGRID_FIELD_HMAC_KEY from their secret store instead.
 */
export function fieldCipherFrom(config: Config, options: { generate: boolean } = { generate: true }): FieldCipherSetup {
  const algorithm: FieldCipherAlgorithm = config.fieldCipherAlgorithm;
  if (config.fieldKeys) {
    if (!config.fieldHmacKey) throw new ConfigError('invalid configuration:\n  CIVICGRID_FIELD_HMAC_KEY (fieldHmacKey): required with CIVICGRID_FIELD_KEYS');
    try {
      const keys = parseKeyConfig(config.fieldKeys);
      const hmacKey = Buffer.from(config.fieldHmacKey.replace(/=+$/, ''), 'base64url');
      const options: FieldCipherOptions = { algorithm, keys, activeKeyId: config.fieldActiveKeyId ?? keys[keys.length - 1]!.id, hmacKey };
      return { cipher: createFieldCipher(options), options, keyFile: null, generated: false };
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  CIVICGRID_FIELD_KEYS: ${(err as Error).message}`);
    }
  }
  const file = fieldKeyFile(config);
  let generated = false;
  let stored: FieldKeyFile;
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as FieldKeyFile;
    } catch (err) {
      throw new ConfigError(`field key file ${file} is not valid JSON: ${(err as Error).message}`);
    }
  } else {
    if (!options.generate) throw new ConfigError(missingKeyFile('field key file', file, 'CIVICGRID_FIELD_KEYS and CIVICGRID_FIELD_HMAC_KEY', 'the residents\' ID numbers and phones'));
    stored = { keys: `k1:${randomBytes(32).toString('base64')}`, activeKeyId: 'k1', hmacKey: randomBytes(32).toString('base64') };
    mkdirSync(resolve(config.dataDir), { recursive: true });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    generated = true;
  }
  try {
    const keys = parseKeyConfig(stored.keys);
    const hmacKey = Buffer.from(stored.hmacKey.replace(/=+$/, ''), 'base64url');
    const options: FieldCipherOptions = { algorithm, keys, activeKeyId: config.fieldActiveKeyId ?? stored.activeKeyId, hmacKey };
    return { cipher: createFieldCipher(options), options, keyFile: file, generated };
  } catch (err) {
    throw new ConfigError(`field key file ${file}: ${(err as Error).message}`);
  }
}

/** Adds a fresh key to the generated key file and makes it active (for `civicgrid keys rotate --new-key`). */
export function addGeneratedFieldKey(config: Config): string {
  const file = fieldKeyFile(config);
  if (config.fieldKeys) throw new ConfigError('keys are configured (CIVICGRID_FIELD_KEYS): add the new key there and set CIVICGRID_FIELD_ACTIVE_KEY');
  const stored = JSON.parse(readFileSync(file, 'utf8')) as FieldKeyFile;
  const ids = parseKeyConfig(stored.keys).map((k) => k.id);
  let n = ids.length + 1;
  while (ids.includes(`k${n}`)) n++;
  const id = `k${n}`;
  stored.keys = `${stored.keys},${id}:${randomBytes(32).toString('base64')}`;
  stored.activeKeyId = id;
  writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  return id;
}

/**
 * Keys are generated only for a database that holds nothing made with keys: a
 * new key file over existing data (a restore without its key file, a wrong data
 * directory) would start silently with keys that cannot read what is there.
 */
function missingKeyFile(what: string, file: string, settings: string, protects: string): string {
  return `the ${what} ${file} is missing, but the database already holds data protected by it (${protects}): put the key file back (from the backup) or configure ${settings}; a new key could not read the existing data`;
}

/** Where the generated audit chain key lives when none is configured. */
export function auditKeyFile(config: Config): string {
  return resolve(config.dataDir, 'audit-keys.json');
}

/** Where signed audit anchors go. */
export function auditAnchorDir(config: Config): string {
  return resolve(config.auditAnchorDir ?? resolve(config.dataDir, 'audit-anchors'));
}

/**
 * The audit chain's HMAC keys: CIVICGRID_AUDIT_KEYS from the deployment's
 * secret store, or else <dataDir>/audit-keys.json, generated (mode 0600) on
 * first start like the field keys. Either way outside the database.
 */
export function auditKeyringFrom(config: Config, options: { generate: boolean } = { generate: true }): { keyring: AuditKeyring; keyFile: string | null; generated: boolean } {
  if (config.auditKeys) {
    try {
      return { keyring: parseAuditKeys(config.auditKeys, config.auditActiveKey), keyFile: null, generated: false };
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  CIVICGRID_AUDIT_KEYS: ${(err as Error).message}`);
    }
  }
  const file = auditKeyFile(config);
  let generated = false;
  let stored: { keys: string; activeKeyId?: string };
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as { keys: string; activeKeyId?: string };
    } catch (err) {
      throw new ConfigError(`audit key file ${file} is not valid JSON: ${(err as Error).message}`);
    }
  } else {
    if (!options.generate) throw new ConfigError(missingKeyFile('audit key file', file, 'CIVICGRID_AUDIT_KEYS', 'the audit chain'));
    stored = { keys: `a1:${randomBytes(32).toString('base64')}`, activeKeyId: 'a1' };
    mkdirSync(resolve(config.dataDir), { recursive: true });
    writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    generated = true;
  }
  try {
    return { keyring: parseAuditKeys(String(stored.keys), config.auditActiveKey ?? stored.activeKeyId), keyFile: file, generated };
  } catch (err) {
    throw new ConfigError(`audit key file ${file}: ${(err as Error).message}`);
  }
}
