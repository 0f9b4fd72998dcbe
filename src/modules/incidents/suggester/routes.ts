import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { permission } from '../../../infra/http/policy.js';
import type { SuggesterService } from './service.js';

const TAGS = ['incidents'];
const Answer = z.object({
  suggestions: z.array(z.object({
    code: z.string(),
    nameZh: z.string(),
    nameEn: z.string(),
    majorCode: z.string(),
    confidence: z.number().describe('posterior probability, 0–1'),
  })).describe('at most 3, most probable first; empty when no model is trained yet or the text says nothing known'),
  trainedAt: z.string().nullable().describe('when the model in use was trained'),
});
const Text = z.string().max(4000);

/** The category suggester at intake (docs/category-suggester.md): a suggestion, never applied by itself. */
export async function suggesterRoutes(app: FastifyInstance, deps: { suggester: SuggesterService }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const answer = async (text: string) => {
    const s = await deps.suggester.suggest(text, 3);
    return { suggestions: s.suggestions, trainedAt: s.trainedAt === null ? null : new Date(s.trainedAt).toISOString() };
  };
  // Anyone who reports or registers reads incidents; the suggestion reveals only category names.
  r.get('/api/incidents/suggest-category', {
    config: { policy: permission('incidents.read') },
    schema: { tags: TAGS, summary: 'Top-3 minor categories suggested for a description, with confidence', querystring: z.object({ text: Text }), response: { 200: Answer } },
  }, async (request) => answer(request.query.text));
  r.post('/api/incidents/suggest-category', {
    config: { policy: permission('incidents.read') },
    schema: { tags: TAGS, summary: 'Top-3 minor categories suggested for a description (long texts), with confidence', body: z.object({ text: Text }), response: { 200: Answer } },
  }, async (request) => answer(request.body.text));
}
