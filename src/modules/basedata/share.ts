import type { AppDb } from '../../database.js';
import { appendAudit } from '../../infra/audit/audit.js';
import type { PersonalData } from './personal.js';
import { parseIdNumber } from './rules/id-number.js';
import { shanghaiToday } from './rules/dates.js';

/** What an agreement may let a client see per number; nothing else ever leaves. */
export const SHARE_FIELDS = ['found', 'community'] as const;
export type ShareField = (typeof SHARE_FIELDS)[number];

/** One number's answer; `community` only when the client's fields allow it. */
export interface ShareCheck {
  idNumber: string;
  bidx: string | null;
  valid: boolean;
  found: boolean;
  community?: { code: string; name: string } | null;
}

/** What the verification needs of the calling API client (src/modules/clients). */
export interface ShareClient {
  id: number;
  name: string;
  scopeCode: string;
  fields: readonly ShareField[];
}

/**
 * Data sharing with another department's system: the caller is an API
 * client with the `share.residents.verify` scope, its own grid scope and
 * allowed answer fields. Every call is audited with the count, never the numbers.
 */
export class ShareService {
  constructor(
    private readonly db: AppDb,
    private readonly personal: PersonalData,
  ) {}

  /** For each number: does such a resident live in the client's scope, and in which community (when allowed). */
  async verify(client: ShareClient, ip: string, idNumbers: string[]) {
    const checked = await this.check(client, idNumbers);
    const results = checked.map(({ bidx: _bidx, ...r }) => r);
    await this.db.transaction((tx) => appendAudit(tx, { userId: null, username: `share:${client.name}`, ip }, {
      action: 'share.verify', objectType: 'api_client', objectId: client.id,
      details: { count: idNumbers.length, found: results.filter((r) => r.found).length },
    }));
    return results;
  }

  /**
   * The verification without its audit entry, with each number's blind index
   * (null when invalid): the bulk jobs (src/modules/clients/share-jobs.ts)
   * keep one traceable record per row and audit the job.
   */
  async check(client: ShareClient, idNumbers: readonly string[]): Promise<ShareCheck[]> {
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
    return idNumbers.map((idNumber, i) => {
      const bidx = indexes[i] ?? null;
      const community = bidx ? found.get(bidx) : undefined;
      return {
        idNumber,
        bidx,
        valid: bidx !== null,
        found: community !== undefined,
        ...(client.fields.includes('community') ? { community: community ? { code: community, name: communities.get(community) ?? '' } : null } : {}),
      };
    });
  }
}
