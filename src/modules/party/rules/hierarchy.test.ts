import { describe, expect, it } from 'vitest';
import { checkHierarchy, makesCycle } from './hierarchy.js';

const street = '430111001';
const community = '430111001002';
const unit = '430111001002003';

describe('party organisation hierarchy', () => {
  it('lets a street committee lead the branches of its own communities only', () => {
    const committee = { kind: 'committee' as const, gridCode: street };
    expect(checkHierarchy({ kind: 'branch', gridCode: community, level: 'community' }, committee)).toBeNull();
    expect(checkHierarchy({ kind: 'general_branch', gridCode: community, level: 'community' }, committee)).toBeNull();
    expect(checkHierarchy({ kind: 'branch', gridCode: '430111002001', level: 'community' }, committee)).toBe('PARTY_PARENT_GRID');
  });

  it('keeps branches as leaves and general branches above branches only', () => {
    expect(checkHierarchy({ kind: 'branch', gridCode: unit, level: 'unit' }, { kind: 'branch', gridCode: community })).toBe('PARTY_PARENT_KIND');
    expect(checkHierarchy({ kind: 'branch', gridCode: unit, level: 'unit' }, { kind: 'general_branch', gridCode: community })).toBeNull();
    expect(checkHierarchy({ kind: 'committee', gridCode: community, level: 'community' }, { kind: 'general_branch', gridCode: community })).toBe('PARTY_PARENT_KIND');
    expect(checkHierarchy({ kind: 'two_new', gridCode: unit, level: 'unit' }, { kind: 'two_new', gridCode: community })).toBe('PARTY_PARENT_KIND');
  });

  it('puts no committee on a unit grid', () => {
    expect(checkHierarchy({ kind: 'committee', gridCode: unit, level: 'unit' }, null)).toBe('PARTY_BRANCH_LEVEL');
    expect(checkHierarchy({ kind: 'committee', gridCode: street, level: 'street' }, null)).toBeNull();
  });
});

describe('moving an organisation under another', () => {
  // 1 ← 2 ← 3 (3 under 2 under 1), 4 alone.
  const parentOf = new Map<number, number | null>([[1, null], [2, 1], [3, 2], [4, null]]);

  it('refuses itself and its descendants as the new parent', () => {
    expect(makesCycle(1, 1, parentOf)).toBe(true);
    expect(makesCycle(1, 3, parentOf)).toBe(true);
    expect(makesCycle(2, 3, parentOf)).toBe(true);
  });

  it('allows an ancestor, a sibling tree or the top', () => {
    expect(makesCycle(3, 1, parentOf)).toBe(false);
    expect(makesCycle(1, 4, parentOf)).toBe(false);
    expect(makesCycle(2, null, parentOf)).toBe(false);
  });

  it('stops on a cycle already in the data', () => {
    expect(makesCycle(9, 5, new Map([[5, 6], [6, 5]]))).toBe(true);
  });
});
