import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { fromJson, insertedId, toJson } from '../../infra/db/values.js';
import { AppError } from '../../infra/http/errors.js';
import type { PersonalData } from './personal.js';
import { parseIdNumber } from './rules/id-number.js';
import { shanghaiToday } from './rules/dates.js';

/** What an agreement may let a client see per number; nothing else ever leaves. */
export const SHARE_FIELDS = ['found', 'community'] as const;
export type ShareField = (typeof SHARE_FIELDS)[number];

export interface ShareClient {
  id: number;
  name: string;
  scopeCode: string;
  fields: ShareField[];
  ratePerMinute: number;
}

function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Data sharing with another department's system: API keys (only their
 * SHA-256 is stored, found by a public prefix), each with its own grid scope,
 * allowed answer fields and a per-minute rate limit. Every call is audited
 * with the count, never the numbers.
 */
export class ShareService {
  private readonly windows = new Map<number, { start: number; count: number }>();

  constructor(
    private readonly db: AppDb,
    private readonly personal: PersonalData,
  ) {}

  async createClient(actor: AuditActor, input: { name: string; scopeCode: string; fields: ShareField[]; ratePerMinute: number }): Promise<{ id: number; apiKey: string }> {
    const grid = await this.db.primary.selectFrom('grids').select('code').where('code', '=', input.scopeCode).executeTakeFirst();
    if (!grid) throw new AppError(422, 'BASEDATA_UNKNOWN_GRID', { gridCode: input.scopeCode });
    const prefix = randomBytes(6).toString('hex');
    const apiKey = `cgk_${prefix}_${randomBytes(24).toString('base64url')}`;
    return this.db.transaction(async (tx) => {
      const id = insertedId(await tx.insertInto('share_clients').values({
        name: input.name, key_prefix: prefix, key_hash: hashKey(apiKey), scope_code: input.scopeCode, fields: toJson(input.fields),
        rate_per_minute: input.ratePerMinute, status: 'active', created_at: Date.now(),
      }).executeTakeFirstOrThrow());
      await appendAudit(tx, actor, { action: 'share.client.create', objectType: 'share_client', objectId: id, details: { name: input.name, scope: input.scopeCode, fields: input.fields } });
      return { id, apiKey };
    });
  }

  async authenticate(apiKey: string | undefined, now = Date.now()): Promise<ShareClient> {
    const m = apiKey ? /^cgk_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/.exec(apiKey) : null;
    const row = m ? await this.db.primary.selectFrom('share_clients').selectAll().where('key_prefix', '=', m[1]!).executeTakeFirst() : undefined;
    if (!row || row.status !== 'active' || !timingSafeEqual(Buffer.from(row.key_hash, 'hex'), Buffer.from(hashKey(apiKey!), 'hex'))) {
      throw new AppError(401, 'SHARE_KEY_INVALID');
    }
    const w = this.windows.get(row.id);
    if (!w || now - w.start >= 60_000) this.windows.set(row.id, { start: now, count: 1 });
    else if (++w.count > row.rate_per_minute) throw new AppError(429, 'SHARE_RATE_LIMITED');
    return { id: row.id, name: row.name, scopeCode: row.scope_code, fields: fromJson<ShareField[]>(row.fields, ['found']), ratePerMinute: row.rate_per_minute };
  }

  /** For each number: does such a resident live in the client's scope, and in which community (when allowed). */
  async verify(client: ShareClient, ip: string, idNumbers: string[]) {
    const today = shanghaiToday();
    const indexes = idNumbers.map((raw) => {
      const r = parseIdNumber(raw, today);
      return r.ok ? this.personal.cipher.blindIndex(r.value) : null;
    });
    const wanted = [...new Set(indexes.filter((x): x is string => x !== null))];
    const found = new Map<string, string>();
    for (let i = 0; i < wanted.length; i += 500) {
      const rows = await this.db.primary.selectFrom('residents').select(['id_bidx', 'grid_code']).where('id_bidx', 'in', wanted.slice(i, i + 500))
        .where('grid_code', 'like', `${client.scopeCode.replace(/\D/g, '')}%`).execute();
      for (const r of rows) found.set(r.id_bidx, r.grid_code.slice(0, 12));
    }
    const communities = new Map<string, string>();
    if (client.fields.includes('community') && found.size > 0) {
      const rows = await this.db.primary.selectFrom('grids').select(['code', 'name']).where('code', 'in', [...new Set(found.values())]).execute();
      for (const r of rows) communities.set(r.code, r.name);
    }
    const results = idNumbers.map((idNumber, i) => {
      const bidx = indexes[i];
      const community = bidx ? found.get(bidx) : undefined;
      return {
        idNumber,
        valid: bidx !== null,
        found: community !== undefined,
        ...(client.fields.includes('community') ? { community: community ? { code: community, name: communities.get(community) ?? '' } : null } : {}),
      };
    });
    await this.db.transaction((tx) => appendAudit(tx, { userId: null, username: `share:${client.name}`, ip }, {
      action: 'share.verify', objectType: 'share_client', objectId: client.id,
      details: { count: idNumbers.length, found: results.filter((r) => r.found).length },
    }));
    return results;
  }
}
