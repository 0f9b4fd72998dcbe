import type { AppDb } from '../../../database.js';
import { appendAudit, type AuditActor } from '../../../infra/audit/audit.js';
import type { ReferenceData } from '../reference.js';
import { BayesClassifier, trainBayes, type BayesModel, type Sample } from './rules/bayes.js';

/** Most recent registered cases learned from: enough for every category, bounded in memory and in the stored model's size. */
export const TRAIN_MAX_SAMPLES = 60_000;
/** Trained models kept (the newest is used; older ones allow a look back). */
const KEEP_MODELS = 3;
/** How often a node looks whether another node trained a newer model. */
const RECHECK_MS = 10 * 60_000;
/** Cases that are not (or no longer) classified cases: no category to learn from. */
const UNCLASSIFIED = ['reported', 'rejected', 'merged'];

export interface CategorySuggestion {
  code: string;
  nameZh: string;
  nameEn: string;
  majorCode: string;
  /** Posterior probability, 0–1. */
  confidence: number;
}

export interface TrainResult {
  id: number;
  samples: number;
  labels: number;
  vocabulary: number;
  ms: number;
}

/** The training set: description → minor category of registered cases, newest first. */
export async function trainingSamples(db: AppDb, limit = TRAIN_MAX_SAMPLES): Promise<Sample[]> {
  const rows = await db.reader().selectFrom('incidents').select(['description', 'category_code'])
    .where('category_code', 'is not', null).where('status', 'not in', UNCLASSIFIED)
    .orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ text: r.description, label: r.category_code! }));
}

/**
 * The category suggester (docs/category-suggester.md): trained from the
 * history by `civicgrid suggest train` and daily by the server, stored in the
 * database, kept in memory on each node. Suggests; never classifies a case.
 */
export class SuggesterService {
  private classifier: BayesClassifier | null = null;
  private modelId: number | null = null;
  private trainedAt: number | null = null;
  private checkedAt = 0;

  constructor(private readonly db: AppDb, private readonly reference: ReferenceData) {}

  async train(actor: AuditActor, trigger: 'command' | 'schedule' | 'demo', now = Date.now()): Promise<TrainResult | null> {
    const started = Date.now();
    const samples = await trainingSamples(this.db);
    if (samples.length === 0) return null;
    const model = trainBayes(samples);
    const json = JSON.stringify(model);
    const id = await this.db.transaction(async (tx) => {
      const inserted = await tx.insertInto('incident_suggest_models').values({
        trained_at: now, samples: samples.length, labels: model.labels.length, trigger, model: json,
      }).executeTakeFirstOrThrow();
      const newId = Number(inserted.insertId);
      const old = await tx.selectFrom('incident_suggest_models').select('id').orderBy('id', 'desc').offset(KEEP_MODELS).limit(100).execute();
      if (old.length > 0) await tx.deleteFrom('incident_suggest_models').where('id', 'in', old.map((o) => o.id)).execute();
      await appendAudit(tx, actor, { action: 'incidents.suggester.train', objectType: 'suggest_model', objectId: newId, details: { samples: samples.length, labels: model.labels.length, trigger } }, now);
      return newId;
    });
    this.use(id, now, model);
    return { id, samples: samples.length, labels: model.labels.length, vocabulary: model.vocabulary, ms: Date.now() - started };
  }

  private use(id: number, trainedAt: number, model: BayesModel): void {
    this.classifier = new BayesClassifier(model);
    this.modelId = id;
    this.trainedAt = trainedAt;
    this.checkedAt = Date.now();
  }

  /** The model in use, loaded from the database when another node (or the command) trained a newer one. */
  async current(now = Date.now()): Promise<{ classifier: BayesClassifier; trainedAt: number } | null> {
    if (this.classifier === null || now - this.checkedAt > RECHECK_MS) {
      this.checkedAt = now;
      const latest = await this.db.primary.selectFrom('incident_suggest_models').select(['id', 'trained_at']).orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (latest && Number(latest.id) !== this.modelId) {
        const row = await this.db.primary.selectFrom('incident_suggest_models').select('model').where('id', '=', latest.id).executeTakeFirstOrThrow();
        this.use(Number(latest.id), Number(latest.trained_at), JSON.parse(row.model) as BayesModel);
      }
    }
    return this.classifier && this.trainedAt !== null ? { classifier: this.classifier, trainedAt: this.trainedAt } : null;
  }

  /** Up to `k` active minor categories for a description, most probable first; empty when no model is trained yet. */
  async suggest(text: string, k = 3): Promise<{ suggestions: CategorySuggestion[]; trainedAt: number | null }> {
    const model = await this.current();
    if (!model) return { suggestions: [], trainedAt: null };
    const ref = await this.reference.get();
    const out: CategorySuggestion[] = [];
    // Ask for a few more than k: a category retired since training is skipped.
    for (const s of model.classifier.suggest(text, k + 3)) {
      const c = ref.categories.get(s.label);
      if (!c || c.status !== 'active') continue;
      out.push({ code: c.code, nameZh: c.nameZh, nameEn: c.nameEn, majorCode: c.majorCode, confidence: s.confidence });
      if (out.length === k) break;
    }
    return { suggestions: out, trainedAt: model.trainedAt };
  }
}
