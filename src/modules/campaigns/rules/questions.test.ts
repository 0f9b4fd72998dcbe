import { describe, expect, it } from 'vitest';
import { checkAnswers, formProblems, type Question } from './questions.js';

const FORM: Question[] = [
  { key: 'extinguisher', label: '灭火器在有效期内', type: 'yes_no', required: true, problemAnswers: [false] },
  { key: 'exits', label: '安全出口', type: 'choice', required: true, options: ['畅通', '部分堵塞', '完全堵塞'], problemAnswers: ['部分堵塞', '完全堵塞'] },
  { key: 'count', label: '灭火器数量', type: 'number', required: false },
  { key: 'note', label: '备注', type: 'text', required: false },
  { key: 'photo', label: '现场照片', type: 'photo', required: false },
];
const HASH = 'a'.repeat(64);

describe('campaign forms', () => {
  it('accepts a complete answer with no finding', () => {
    expect(checkAnswers(FORM, { extinguisher: true, exits: '畅通', count: 3, note: '', photo: [HASH] })).toEqual({ issues: [], problem: false, problemKeys: [] });
  });

  it('flags the problem answers as findings', () => {
    expect(checkAnswers(FORM, { extinguisher: false, exits: '完全堵塞' })).toMatchObject({ issues: [], problem: true, problemKeys: ['extinguisher', 'exits'] });
  });

  it('names missing, mistyped, unknown answers and unknown options', () => {
    const { issues } = checkAnswers(FORM, { exits: '堵', count: '3' as unknown as number, photo: ['x'], other: 1 });
    expect(issues).toEqual([
      { key: 'other', code: 'unknown_question' },
      { key: 'extinguisher', code: 'missing' },
      { key: 'exits', code: 'unknown_option' },
      { key: 'count', code: 'wrong_type' },
      { key: 'photo', code: 'wrong_type' },
    ]);
  });

  it('refuses forms with duplicate keys, choices without options, or problem answers outside the options', () => {
    expect(formProblems(FORM)).toEqual([]);
    expect(formProblems([
      { key: 'a', label: 'a', type: 'text', required: true, problemAnswers: ['x'] },
      { key: 'a', label: 'b', type: 'choice', required: true, options: ['x'] },
      { key: 'c', label: 'c', type: 'choice', required: true, options: ['x', 'y'], problemAnswers: ['z'] },
    ])).toHaveLength(4);
  });
});

describe('campaign forms without options', () => {
  it('names the missing options of a choice that also names problem answers, without failing', () => {
    expect(formProblems([{ key: 'a', label: 'a', type: 'choice', required: true, problemAnswers: ['x'] }])).toEqual([
      'a: a choice needs two options or more', 'a: a problem answer is not an option',
    ]);
  });
});
