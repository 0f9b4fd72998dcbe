import { describe, expect, it } from 'vitest';
import { overdueRecipients, recipientsOf, resolveUsers, type CaseFacts } from './notify.js';

const facts: CaseFacts = {
  parts: [
    { departmentCode: 'D1', status: 'open', assigneeUserId: null },
    { departmentCode: 'D2', status: 'open', assigneeUserId: 42 },
    { departmentCode: 'D3', status: 'replied', assigneeUserId: null },
  ],
  lastDispatcherUserId: 7,
};
const ev = (action: string, data: Record<string, unknown> = {}, actorUserId: number | null = 1) => ({ action, data, actorUserId });

describe('recipientsOf', () => {
  it('tells every department given a part of a dispatch', () => {
    expect(recipientsOf(ev('dispatch', { leadDepartmentCode: 'D1', coHandlerDepartmentCodes: ['D2'] }), facts)).toEqual({ kind: 'dispatched', departments: ['D1', 'D2'], users: [] });
  });
  it('sends an urge to the assignee of an assigned part and to the department of an unassigned one, not to replied parts', () => {
    expect(recipientsOf(ev('urge'), facts)).toEqual({ kind: 'urged', departments: ['D1'], users: [42] });
  });
  it('tells the new assignee, the last dispatcher of a return, the called departments of an escalation', () => {
    expect(recipientsOf(ev('assign', { departmentCode: 'D1', assigneeUserId: '9' }), facts)).toEqual({ kind: 'assigned', departments: [], users: [9] });
    expect(recipientsOf(ev('return', { departmentCode: 'D1' }), facts)).toEqual({ kind: 'returned', departments: [], users: [7] });
    expect(recipientsOf(ev('return'), { ...facts, lastDispatcherUserId: null })).toBeNull();
    expect(recipientsOf(ev('escalate', { departmentCodes: ['D8', 'D9'] }), facts)).toEqual({ kind: 'escalated', departments: ['D8', 'D9'], users: [] });
  });
  it('tells the reworked parts of a failed verification, and nobody of events without a recipient', () => {
    expect(recipientsOf(ev('verify-fail', { rework: true }), facts)).toEqual({ kind: 'rework', departments: ['D1'], users: [42] });
    expect(recipientsOf(ev('verify-fail', { rework: false }), facts)).toBeNull();
    expect(recipientsOf(ev('register'), facts)).toBeNull();
    expect(recipientsOf(ev('reply'), facts)).toBeNull();
  });
});

describe('overdueRecipients', () => {
  it('tells the holders of open parts, and nobody before dispatch', () => {
    expect(overdueRecipients(facts.parts)).toEqual({ kind: 'overdue', departments: ['D1'], users: [42] });
    expect(overdueRecipients([])).toBeNull();
  });
});

describe('resolveUsers', () => {
  it('expands departments to their handlers, each once, without the actor', () => {
    const handlers: Record<string, number[]> = { D1: [3, 4, 1], D2: [4] };
    expect(resolveUsers({ kind: 'urged', departments: ['D1', 'D2'], users: [42, 3] }, (c) => handlers[c] ?? [], 1)).toEqual([3, 4, 42]);
  });
});
