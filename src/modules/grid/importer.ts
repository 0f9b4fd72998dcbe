/**
 * Import of a grid tree from GeoJSON: plan (read + validate + diff, no
 * writes) and apply (one transaction).
 *
 * - Full import (the default): the files are the whole tree. Active grids
 *   missing from it are retired (status retired, retired_at), never deleted,
 *   so old incidents still resolve their codes.
 * - Partial import: the files add or update some grids; the tree that gets
 *   validated is the stored active tree with the imported grids laid over it,
 *   and nothing is retired.
 * - A split or merge is retire + create; grids retired and created in the
 *   same import whose areas overlap are linked both ways in the history
 *   (`related`), and the retired one's row says split (into several) or
 *   merged (several into one).
 * - Nothing is written when any problem is found; a dry run reports the very
 *   same problems and the changes it would make.
 */
import { intersection } from 'polyclip-ts';
import type { Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { levelIndex, type GridLevel } from './rules/codes.js';
import { bboxesIntersect, bboxOf, polygonsAreaM2, polygonsOf, validateGridTree } from './rules/geometry.js';
import type { GridFeature, GridGeometry } from './rules/types.js';
import { readFeatureCollections, type ImportProblem } from './geojson.js';
import type { GridChangeKind } from './tables.js';
import { bumpGridVersion } from './locator-service.js';

export interface Tolerances {
  /** Siblings may overlap by this much (m²). */
  overlapM2: number;
  /** A parent may be left uncovered by its children by this much (m²). */
  gapM2: number;
}

export const DEFAULT_TOLERANCES: Tolerances = { overlapM2: 1, gapM2: 1 };

export interface ImportOptions {
  dryRun: boolean;
  partial: boolean;
  tolerances: Tolerances;
}

export type PlannedChangeKind = 'created' | 'restored' | 'renamed' | 'geometry' | 'attributes' | 'retired' | 'split' | 'merged';

export interface PlannedChange {
  code: string;
  level: GridLevel;
  kinds: PlannedChangeKind[];
  /** For split/merged (successors) and for created grids replacing retired ones (predecessors). */
  related?: string[];
}

export interface ImportReport {
  ok: boolean;
  dryRun: boolean;
  partial: boolean;
  /** True when the changes were written. */
  applied: boolean;
  tolerances: Tolerances;
  counts: { features: number; created: number; updated: number; unchanged: number; retired: number; restored: number };
  byLevel: Record<GridLevel, number>;
  problems: ImportProblem[];
  changes: PlannedChange[];
}

interface StoredGrid {
  id: number;
  code: string;
  level: GridLevel;
  parent_code: string | null;
  name: string;
  geometry: string;
  status: 'active' | 'retired';
  attributes: string;
  version: number;
}

interface Plan {
  report: ImportReport;
  features: GridFeature[];
  attributes: Map<string, Record<string, unknown>>;
  stored: Map<string, StoredGrid>;
}

async function loadStored(db: AppDb): Promise<Map<string, StoredGrid>> {
  const rows = await db.primary
    .selectFrom('grids')
    .select(['id', 'code', 'level', 'parent_code', 'name', 'geometry', 'status', 'attributes', 'version'])
    .execute();
  return new Map(rows.map((r) => [r.code, r as StoredGrid]));
}

function emptyByLevel(): Record<GridLevel, number> {
  return { district: 0, street: 0, community: 0, unit: 0 };
}

function mergedAttributes(stored: string, imported: Record<string, unknown> | undefined): string {
  const base = JSON.parse(stored) as Record<string, unknown>;
  return JSON.stringify(imported ? { ...base, ...imported } : base);
}

/** Reads, validates and diffs; writes nothing. */
export async function planImport(db: AppDb, files: readonly unknown[], options: ImportOptions): Promise<Plan> {
  const read = readFeatureCollections(files);
  const problems: ImportProblem[] = [...read.problems];
  const stored = await loadStored(db);
  const features = read.features;

  const origin = read.origin;

  const importedCodes = new Set(features.map((f) => f.code));
  const tree: GridFeature[] = [...features];
  if (options.partial) {
    for (const s of stored.values()) {
      if (s.status === 'active' && !importedCodes.has(s.code)) {
        tree.push({ code: s.code, level: s.level, parentCode: s.parent_code, name: s.name, geometry: JSON.parse(s.geometry) as GridGeometry });
      }
    }
  } else {
    const districts = features.filter((f) => f.level === 'district');
    if (features.length === 0 && read.problems.length === 0) {
      problems.push({ code: 'IMPORT_EMPTY', message: 'The import holds no grids; a full import must hold the whole tree', details: {} });
    }
    const storedDistrict = [...stored.values()].find((s) => s.level === 'district' && s.status === 'active');
    if (storedDistrict && districts.length > 0 && !districts.some((d) => d.code === storedDistrict.code)) {
      problems.push({
        code: 'DISTRICT_CHANGED',
        featureCode: districts[0]!.code,
        otherCode: storedDistrict.code,
        message: `The import's district ${districts[0]!.code} is not the installed district ${storedDistrict.code}; one installation serves one district`,
        details: {},
      });
    }
  }

  if (tree.length > 0) {
    const found = validateGridTree(tree, {
      overlapToleranceM2: options.tolerances.overlapM2,
      gapToleranceM2: options.tolerances.gapM2,
    });
    for (const p of found) {
      const o = origin.get(p.featureCode);
      problems.push({ ...p, ...(o ? { file: o.file, index: o.index } : {}) });
    }
  }

  // The diff (reported even with problems, so a dry run shows both).
  const changes: PlannedChange[] = [];
  const counts = { features: features.length, created: 0, updated: 0, unchanged: 0, retired: 0, restored: 0 };
  const byLevel = emptyByLevel();
  const seen = new Set<string>();
  const created: GridFeature[] = [];
  for (const f of features) {
    if (seen.has(f.code)) continue;
    seen.add(f.code);
    byLevel[f.level]++;
    const s = stored.get(f.code);
    if (!s) {
      counts.created++;
      created.push(f);
      changes.push({ code: f.code, level: f.level, kinds: ['created'] });
      continue;
    }
    const kinds: PlannedChangeKind[] = [];
    if (s.status === 'retired') kinds.push('restored');
    if (s.name !== f.name) kinds.push('renamed');
    if (s.geometry !== JSON.stringify(f.geometry)) kinds.push('geometry');
    if (mergedAttributes(s.attributes, read.attributes.get(f.code)) !== s.attributes) kinds.push('attributes');
    if (kinds.length === 0) {
      counts.unchanged++;
      continue;
    }
    if (s.status === 'retired') {
      counts.restored++;
      // A restored code takes over territory like a created one (split/merge linking).
      created.push(f);
    } else counts.updated++;
    changes.push({ code: f.code, level: f.level, kinds });
  }
  const retired: StoredGrid[] = [];
  if (!options.partial) {
    for (const s of stored.values()) {
      if (s.status === 'active' && !importedCodes.has(s.code)) {
        retired.push(s);
        counts.retired++;
      }
    }
  }
  linkSplitsAndMerges(retired, created, changes, options.tolerances.overlapM2);

  const ok = problems.length === 0;
  return {
    report: { ok, dryRun: options.dryRun, partial: options.partial, applied: false, tolerances: options.tolerances, counts, byLevel, problems, changes },
    features,
    attributes: read.attributes,
    stored,
  };
}

/** Links retired grids to the created grids of the same level whose areas overlap theirs. */
function linkSplitsAndMerges(retired: StoredGrid[], created: GridFeature[], changes: PlannedChange[], toleranceM2: number): void {
  const successors = new Map<string, string[]>();
  const predecessors = new Map<string, string[]>();
  const createdBoxes = created.map((c) => bboxOf(c.geometry));
  for (const r of retired) {
    let geometry: GridGeometry;
    try {
      geometry = JSON.parse(r.geometry) as GridGeometry;
    } catch {
      continue;
    }
    const box = bboxOf(geometry);
    const refLat = (box[1] + box[3]) / 2;
    created.forEach((c, i) => {
      if (c.level !== r.level || !bboxesIntersect(box, createdBoxes[i]!)) return;
      let area: number;
      try {
        area = polygonsAreaM2(intersection(polygonsOf(geometry), polygonsOf(c.geometry)), refLat);
      } catch {
        return;
      }
      if (area <= toleranceM2) return;
      successors.set(r.code, [...(successors.get(r.code) ?? []), c.code]);
      predecessors.set(c.code, [...(predecessors.get(c.code) ?? []), r.code]);
    });
  }
  for (const r of retired) {
    const succ = successors.get(r.code) ?? [];
    let kind: PlannedChangeKind = 'retired';
    if (succ.length > 1) kind = 'split';
    else if (succ.length === 1 && (predecessors.get(succ[0]!) ?? []).length > 1) kind = 'merged';
    changes.push({ code: r.code, level: r.level, kinds: kind === 'retired' ? ['retired'] : ['retired', kind], ...(succ.length ? { related: succ } : {}) });
  }
  for (const ch of changes) {
    const pred = predecessors.get(ch.code);
    if (pred && (ch.kinds.includes('created') || ch.kinds.includes('restored'))) ch.related = pred;
  }
}

interface HistoryRow {
  grid_code: string;
  at: number;
  user_id: number | null;
  username: string | null;
  change_kind: GridChangeKind;
  before_state: string | null;
  after_state: string | null;
  related: string;
  source: string;
}

/** Writes a planned import in one transaction; returns the report with applied = true. */
export async function applyImport(db: AppDb, plan: Plan, actor: AuditActor, now = Date.now()): Promise<ImportReport> {
  const { report, features, attributes, stored } = plan;
  const source = `import:${now}`;
  const byCode = new Map(features.map((f) => [f.code, f]));

  await db.transaction(async (tx: Transaction<Database>) => {
    // Collected per attempt: the transaction may run this callback more than once.
    const history: HistoryRow[] = [];
    const h = (code: string, kind: GridChangeKind, before: unknown, after: unknown, related: string[] = []) =>
      history.push({
        grid_code: code, at: now, user_id: actor.userId, username: actor.username, change_kind: kind,
        before_state: before == null ? null : JSON.stringify(before), after_state: after == null ? null : JSON.stringify(after),
        related: JSON.stringify(related), source,
      });
    // Parents first, so a reader never sees a child without its parent.
    const ordered = [...report.changes].sort((a, b) => levelIndex(a.level) - levelIndex(b.level) || a.code.localeCompare(b.code));
    const inserts = [];
    for (const ch of ordered) {
      const f = byCode.get(ch.code);
      if (ch.kinds.includes('created') && f) {
        const [minLng, minLat, maxLng, maxLat] = bboxOf(f.geometry);
        inserts.push({
          code: f.code, level: f.level, parent_code: f.parentCode, name: f.name, geometry: JSON.stringify(f.geometry),
          min_lng: minLng, min_lat: minLat, max_lng: maxLng, max_lat: maxLat, status: 'active' as const,
          attributes: JSON.stringify(attributes.get(f.code) ?? {}), created_at: now, updated_at: now, retired_at: null, version: 1,
        });
        h(f.code, 'created', null, { name: f.name, level: f.level, parentCode: f.parentCode }, ch.related ?? []);
        continue;
      }
      const s = stored.get(ch.code)!;
      if (ch.kinds.includes('retired')) {
        await tx.updateTable('grids').set({ status: 'retired', retired_at: now, updated_at: now, version: s.version + 1 }).where('id', '=', s.id).execute();
        const kind = ch.kinds.includes('split') ? 'split' : ch.kinds.includes('merged') ? 'merged' : 'retired';
        h(s.code, kind, { status: 'active' }, { status: 'retired' }, ch.related ?? []);
        continue;
      }
      if (!f) continue;
      const [minLng, minLat, maxLng, maxLat] = bboxOf(f.geometry);
      await tx
        .updateTable('grids')
        .set({
          name: f.name, geometry: JSON.stringify(f.geometry), min_lng: minLng, min_lat: minLat, max_lng: maxLng, max_lat: maxLat,
          status: 'active', retired_at: null, attributes: mergedAttributes(s.attributes, attributes.get(f.code)),
          updated_at: now, version: s.version + 1,
        })
        .where('id', '=', s.id)
        .execute();
      if (ch.kinds.includes('restored')) h(s.code, 'updated', { status: 'retired' }, { status: 'active' }, ch.related ?? []);
      if (ch.kinds.includes('renamed')) h(s.code, 'renamed', { name: s.name }, { name: f.name });
      if (ch.kinds.includes('geometry')) h(s.code, 'geometry', { geometry: JSON.parse(s.geometry) as unknown }, { geometry: f.geometry });
      if (ch.kinds.includes('attributes')) {
        h(s.code, 'updated', { attributes: JSON.parse(s.attributes) as unknown }, { attributes: JSON.parse(mergedAttributes(s.attributes, attributes.get(f.code))) as unknown });
      }
    }
    const BATCH = 200;
    for (let i = 0; i < inserts.length; i += BATCH) await tx.insertInto('grids').values(inserts.slice(i, i + BATCH)).execute();
    for (let i = 0; i < history.length; i += BATCH) await tx.insertInto('grid_history').values(history.slice(i, i + BATCH)).execute();
    if (ordered.length > 0) await bumpGridVersion(tx);
    await appendAudit(tx, actor, {
      action: 'grid.import',
      objectType: 'grid',
      objectId: features.find((f) => f.level === 'district')?.code ?? null,
      details: { partial: report.partial, counts: report.counts, byLevel: report.byLevel, tolerances: report.tolerances, source },
    }, now);
  });
  return { ...report, applied: true };
}
