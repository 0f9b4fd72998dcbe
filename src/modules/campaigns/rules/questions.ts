/**
 * A campaign's form: its questions, and the check of one target's answers
 * against them. Pure, so the server, the phone app and the tests agree on
 * what a complete answer is and when an answer is a finding (a problem).
 */

export const QUESTION_TYPES = ['yes_no', 'choice', 'number', 'text', 'photo'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export interface Question {
  /** Stable key of the answer (a1, extinguisher…). */
  key: string;
  label: string;
  type: QuestionType;
  required: boolean;
  /** choice: the options. */
  options?: string[] | undefined;
  /** yes_no and choice: the answers that are a finding (e.g. "灭火器有效?" → [false]). */
  problemAnswers?: (string | boolean)[] | undefined;
}

export type Answer = boolean | number | string | string[];

export type FormIssue = { key: string; code: 'missing' | 'wrong_type' | 'unknown_option' | 'unknown_question' };

/** Photo answers are stored-file ids (sha256 hex). */
const FILE_ID = /^[0-9a-f]{64}$/;

/** Problems with the form itself (keys unique, choices with options), before a campaign is saved. */
export function formProblems(questions: readonly Question[]): string[] {
  const problems: string[] = [];
  const keys = new Set<string>();
  for (const q of questions) {
    if (keys.has(q.key)) problems.push(`duplicate key ${q.key}`);
    keys.add(q.key);
    if (q.type === 'choice' && (!q.options || q.options.length < 2)) problems.push(`${q.key}: a choice needs two options or more`);
    if (q.problemAnswers && q.type !== 'yes_no' && q.type !== 'choice') problems.push(`${q.key}: only yes/no and choice questions name problem answers`);
    if (q.type === 'choice' && q.problemAnswers?.some((a) => typeof a !== 'string' || !(q.options ?? []).includes(a))) problems.push(`${q.key}: a problem answer is not an option`);
  }
  return problems;
}

/**
 * Checks a target's answers: every required question answered, each answer
 * of its question's type, nothing unknown. `problem` is true when an answer
 * is one of its question's problem answers (a finding).
 */
export function checkAnswers(questions: readonly Question[], answers: Readonly<Record<string, Answer>>): { issues: FormIssue[]; problem: boolean; problemKeys: string[] } {
  const issues: FormIssue[] = [];
  const problemKeys: string[] = [];
  const byKey = new Map(questions.map((q) => [q.key, q]));
  for (const key of Object.keys(answers)) if (!byKey.has(key)) issues.push({ key, code: 'unknown_question' });
  for (const q of questions) {
    const a = answers[q.key];
    if (a === undefined || a === '' || (Array.isArray(a) && a.length === 0)) {
      if (q.required) issues.push({ key: q.key, code: 'missing' });
      continue;
    }
    const typed =
      q.type === 'yes_no' ? typeof a === 'boolean'
        : q.type === 'number' ? typeof a === 'number' && Number.isFinite(a)
          : q.type === 'photo' ? Array.isArray(a) && a.every((x) => typeof x === 'string' && FILE_ID.test(x))
            : typeof a === 'string';
    if (!typed) {
      issues.push({ key: q.key, code: 'wrong_type' });
      continue;
    }
    if (q.type === 'choice' && !q.options?.includes(a as string)) {
      issues.push({ key: q.key, code: 'unknown_option' });
      continue;
    }
    if (q.problemAnswers?.includes(a as string | boolean)) problemKeys.push(q.key);
  }
  return { issues, problem: problemKeys.length > 0, problemKeys };
}
