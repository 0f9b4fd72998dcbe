import type { Generated } from 'kysely';

/** A trained category suggester (rules/bayes.ts), newest row in use; a few older ones are kept. */
export interface IncidentSuggestModelTable {
  id: Generated<number>;
  trained_at: number;
  /** Registered cases it learned from. */
  samples: number;
  labels: number;
  /** 'command' | 'schedule' | 'demo' */
  trigger: string;
  /** The BayesModel as JSON. */
  model: string;
}

export interface SuggesterTables {
  incident_suggest_models: IncidentSuggestModelTable;
}
