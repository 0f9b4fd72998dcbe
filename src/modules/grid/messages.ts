import { defineMessages } from '../../infra/http/errors.js';

defineMessages({
  GRID_IMPORT_INVALID: {
    'zh-CN': (p) => `网格数据有 ${String((p.report as { problems?: unknown[] } | undefined)?.problems?.length ?? '')} 处问题，未导入任何数据`,
    en: (p) => `The grid data has ${String((p.report as { problems?: unknown[] } | undefined)?.problems?.length ?? '')} problem(s); nothing was imported`,
  },
  GRID_IMPORT_OUTSIDE_SCOPE: {
    'zh-CN': '导入的网格超出您的管理范围（完整导入需要全区范围）',
    en: 'The import reaches outside your scope (a full import needs the district scope)',
  },
  GRID_RETIRED: { 'zh-CN': '该网格已撤销，不能修改', en: 'The grid is retired and cannot be changed' },
  GRID_WORKERS_LEVEL: { 'zh-CN': '只能为单元网格或社区网格分配网格员', en: 'Grid workers are assigned to unit or community grids only' },
  GRID_WORKER_NOT_ELIGIBLE: {
    'zh-CN': '所选用户不是网格员（需持有“网格员”角色）',
    en: 'The chosen users are not grid workers (they need the grid worker role)',
  },
  GRID_WORKER_DUPLICATE: { 'zh-CN': '同一用户不能重复分配', en: 'A user can be assigned only once' },
  GRID_OUTSIDE_DISTRICT: { 'zh-CN': '该位置不在本区任何网格内', en: 'The position is outside every grid of the district' },
  GRID_DEPARTMENT_IMPORT_INVALID: {
    'zh-CN': (p) => `专业网格数据有 ${String((p.report as { problems?: unknown[] } | undefined)?.problems?.length ?? '')} 处问题，未导入任何数据`,
    en: (p) => `The department grid data has ${String((p.report as { problems?: unknown[] } | undefined)?.problems?.length ?? '')} problem(s); nothing was imported`,
  },
  GRID_DEPARTMENT_OUTSIDE_SCOPE: {
    'zh-CN': '您无权维护该部门的专业网格（需要该部门或全区范围的网格维护权限）',
    en: "You may not maintain this department's grids (grid.manage over the department or the whole district is needed)",
  },
  GRID_OUTSIDE_SCOPE: { 'zh-CN': '该位置不在您的管辖范围内', en: 'The position is outside your scope' },
});
