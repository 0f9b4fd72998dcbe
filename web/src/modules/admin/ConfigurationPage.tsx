import { Card, Tabs } from 'antd';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import CalendarPanel from './CalendarPanel.js';
import CategoriesPanel from './CategoriesPanel.js';
import DepartmentsPanel from './DepartmentsPanel.js';
import WorkflowsPanel from './WorkflowsPanel.js';
import { useAdminText, type AdminMessageKey } from './messages.js';

const TABS: { key: string; label: AdminMessageKey }[] = [
  { key: 'categories', label: 'tab.categories' },
  { key: 'workflows', label: 'tab.workflows' },
  { key: 'calendar', label: 'tab.calendar' },
  { key: 'departments', label: 'tab.departments' },
];

/** 业务配置: the loop's configuration that was API-only (categories and limits, workflows per case type, the working calendar, departments), one tab and route each. */
export default function ConfigurationPage() {
  const at = useAdminText();
  const location = useLocation();
  const navigate = useNavigate();
  const active = TABS.find((t) => location.pathname.startsWith(`/admin/config/${t.key}`))?.key ?? 'categories';
  return (
    <Card data-testid="page-configuration" styles={{ body: { paddingTop: 8 } }}>
      <Tabs
        activeKey={active}
        onChange={(key) => navigate(`/admin/config/${key}`)}
        items={TABS.map((t) => ({ key: t.key, label: <span data-testid={`config-tab-${t.key}`}>{at(t.label)}</span> }))}
      />
      <Routes>
        <Route index element={<Navigate to="categories" replace />} />
        <Route path="categories" element={<CategoriesPanel />} />
        <Route path="workflows" element={<WorkflowsPanel />} />
        <Route path="calendar" element={<CalendarPanel />} />
        <Route path="departments" element={<DepartmentsPanel />} />
      </Routes>
    </Card>
  );
}
