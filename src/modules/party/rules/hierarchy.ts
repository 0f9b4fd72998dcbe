import type { PartyOrgKind } from '../tables.js';

/** Grid levels a party organisation may sit on (the district's own committee is outside the grid). */
export type OrgGridLevel = 'street' | 'community' | 'unit';

export interface OrgNode {
  kind: PartyOrgKind;
  gridCode: string;
}

export type HierarchyRefusal = 'PARTY_PARENT_KIND' | 'PARTY_PARENT_GRID' | 'PARTY_BRANCH_LEVEL';

/** Which kinds may lead which: a committee leads general branches and branches, a general branch leads branches. */
const MAY_LEAD: Record<PartyOrgKind, readonly PartyOrgKind[]> = {
  committee: ['committee', 'general_branch', 'branch', 'two_new'],
  general_branch: ['branch', 'two_new'],
  branch: [],
  two_new: [],
};

/**
 * Whether `child` may sit under `parent` (null: a top organisation). The
 * parent's grid must contain the child's (a street committee leads the
 * community branches of its street, not another street's), and a party
 * committee sits on a street or community, not on a unit grid.
 */
export function checkHierarchy(child: OrgNode & { level: OrgGridLevel }, parent: OrgNode | null): HierarchyRefusal | null {
  if (child.kind === 'committee' && child.level === 'unit') return 'PARTY_BRANCH_LEVEL';
  if (!parent) return null;
  if (!MAY_LEAD[parent.kind].includes(child.kind)) return 'PARTY_PARENT_KIND';
  if (!child.gridCode.startsWith(parent.gridCode)) return 'PARTY_PARENT_GRID';
  return null;
}

/**
 * Whether putting `orgId` under `newParentId` would make a cycle: the new
 * parent is the organisation itself or one of its descendants. `parentOf`
 * maps each organisation to its parent (null at the top).
 */
export function makesCycle(orgId: number, newParentId: number | null, parentOf: ReadonlyMap<number, number | null>): boolean {
  const seen = new Set<number>();
  for (let at = newParentId; at !== null && at !== undefined; at = parentOf.get(at) ?? null) {
    if (at === orgId) return true;
    // A cycle already in the data (it cannot be made here) must not hang the walk.
    if (seen.has(at)) return true;
    seen.add(at);
  }
  return false;
}
