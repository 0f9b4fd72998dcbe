import { describe, expect, it } from 'vitest';
import { departmentInScope, gridInScope, scopeCovers } from './scope.js';

describe('scopes', () => {
  const street = { kind: 'grid', code: '430111001' } as const;
  it('covers descendants by code prefix only', () => {
    expect(gridInScope('430111001002003', [street])).toBe(true);
    expect(gridInScope('430111002002003', [street])).toBe(false);
    expect(gridInScope('430111001', [street])).toBe(true);
    expect(gridInScope('430111', [street])).toBe(false);
  });
  it('lets only a district scope cover departments', () => {
    expect(scopeCovers({ kind: 'grid', code: '430111' }, { kind: 'department', code: 'D01' })).toBe(true);
    expect(scopeCovers(street, { kind: 'department', code: 'D01' })).toBe(false);
    expect(scopeCovers({ kind: 'department', code: 'D01' }, { kind: 'department', code: 'D01' })).toBe(true);
    expect(scopeCovers({ kind: 'department', code: 'D01' }, { kind: 'grid', code: '430111001' })).toBe(false);
    expect(departmentInScope('D02', [{ kind: 'department', code: 'D01' }])).toBe(false);
  });
});
