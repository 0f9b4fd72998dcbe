import { apiRequest, withQuery } from '../../shell/api.js';

export interface ImportProblem {
  row: number;
  sourceCode: string | null;
  field: string;
  code: string;
  message: string;
}

export interface CaseImportAnswer {
  dryRun: boolean;
  format: 'geojson' | 'json' | 'csv';
  source: string;
  rows: number;
  intake: number;
  history: number;
  known: number;
  problems: ImportProblem[];
  cases: { row: number; sourceCode: string; code: string; kind: 'intake' | 'history' }[];
}

export const exchangeApi = {
  importCases: (file: Blob, q: { source: string; dryRun: boolean; partial: boolean }) =>
    apiRequest<CaseImportAnswer>('POST', withQuery('/api/exchange/cases/import', { source: q.source, dryRun: String(q.dryRun), partial: String(q.partial) }), undefined, {
      raw: file, headers: { 'Content-Type': 'application/octet-stream' },
    }),
};
