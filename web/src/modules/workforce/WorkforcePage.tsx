import { Card, Tabs } from 'antd';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../../shell/auth.js';
import AttendancePanel from './AttendancePanel.js';
import LeavePanel from './LeavePanel.js';
import { useWorkforceText, type WorkforceMessageKey } from './messages.js';
import RotaPanel from './RotaPanel.js';
import SettingsPanel from './SettingsPanel.js';
import TeamsPanel from './TeamsPanel.js';
import TrackReplayPanel from './TrackReplayPanel.js';

const TABS: { key: string; label: WorkforceMessageKey }[] = [
  { key: 'teams', label: 'tab.teams' },
  { key: 'rota', label: 'tab.rota' },
  { key: 'leave', label: 'tab.leave' },
  { key: 'attendance', label: 'tab.attendance' },
  { key: 'tracks', label: 'tab.tracks' },
  { key: 'settings', label: 'tab.settings' },
];

/** 队伍管理: teams, rota, leave, attendance, track replay and settings, one tab (and route) each. */
export default function WorkforcePage() {
  const wt = useWorkforceText();
  const location = useLocation();
  const navigate = useNavigate();
  const { can } = useAuth();
  const active = TABS.find((t) => location.pathname.startsWith(`/workforce/${t.key}`))?.key ?? 'teams';
  return (
    <Card data-testid="page-workforce" styles={{ body: { paddingTop: 8 } }}>
      <Tabs
        activeKey={active}
        onChange={(key) => navigate(`/workforce/${key}`)}
        items={TABS.map((t) => ({ key: t.key, label: <span data-testid={`workforce-tab-${t.key}`}>{wt(t.label)}</span> }))}
      />
      <Routes>
        <Route index element={<Navigate to="teams" replace />} />
        <Route path="teams" element={<TeamsPanel />} />
        <Route path="rota" element={<RotaPanel />} />
        <Route path="leave" element={<LeavePanel />} />
        <Route path="attendance" element={<AttendancePanel />} />
        <Route path="tracks" element={<TrackReplayPanel />} />
        <Route path="settings" element={<SettingsPanel canEdit={can('workforce.configure')} />} />
      </Routes>
    </Card>
  );
}
