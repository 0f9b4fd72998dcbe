import { CameraOutlined, CarryOutOutlined, CompassOutlined, UserOutlined } from '@ant-design/icons';
import { App as AntApp, Badge, ConfigProvider, Spin, type ConfigProviderProps } from 'antd';
import enUSModule from 'antd/es/locale/en_US.js';
import zhCNModule from 'antd/es/locale/zh_CN.js';
import type { ReactNode } from 'react';
import { BrowserRouter, Navigate, NavLink, Route, Routes } from 'react-router-dom';
import { MobileAuthProvider, useMobileAuth } from './auth.js';
import { ABOVE_TAB_BAR, TAB_BAR_HEIGHT } from './layout.js';
import { MobileI18nProvider, useT } from './i18n.js';
import { MobileNotificationBell } from './NotificationBell.js';
import { OutboxProvider, useOutbox } from './offline/outbox.js';
import IncidentTaskPage from './pages/IncidentTaskPage.js';
import CampaignPage from './pages/CampaignPage.js';
import { PatrolProvider } from './patrol/patrol.js';
import LoginPage from './pages/LoginPage.js';
import MePage from './pages/MePage.js';
import PatrolPage from './pages/PatrolPage.js';
import ReportPage from './pages/ReportPage.js';
import TasksPage from './pages/TasksPage.js';
import VisitPage from './pages/VisitPage.js';
import HotlineOrderPage from './pages/HotlinePage.js';

type AntLocale = NonNullable<ConfigProviderProps['locale']>;
const esDefault = (m: unknown): AntLocale => ((m as { default?: AntLocale }).default ?? m) as AntLocale;
const enUS = esDefault(enUSModule);
const zhCN = esDefault(zhCNModule);

/** The phone layout: bigger controls (44 px: a thumb's width) and 16 px text (no zoom on focus in iOS Safari). */
const THEME: ConfigProviderProps['theme'] = {
  token: { fontSize: 16, controlHeight: 44, controlHeightLG: 52, borderRadius: 8, colorPrimary: '#1668dc' },
};


function TabBar() {
  const { t } = useT();
  const { pendingCount } = useOutbox();
  const tabs: { to: string; label: string; icon: ReactNode; id: string; badge?: number }[] = [
    { to: '/m/report', label: t('tab.report'), icon: <CameraOutlined />, id: 'report' },
    { to: '/m/tasks', label: t('tab.tasks'), icon: <CarryOutOutlined />, id: 'tasks' },
    { to: '/m/patrol', label: t('tab.patrol'), icon: <CompassOutlined />, id: 'patrol' },
    { to: '/m/me', label: t('tab.me'), icon: <UserOutlined />, id: 'me', badge: pendingCount },
  ];
  return (
    <nav
      style={{
        position: 'fixed', bottom: 0, left: 0, right: 0, height: TAB_BAR_HEIGHT, paddingBottom: 'env(safe-area-inset-bottom)',
        display: 'flex', background: '#fff', borderTop: '1px solid #e5e5e5', zIndex: 100,
      }}
    >
      {tabs.map((tab) => (
        <NavLink
          key={tab.id}
          to={tab.to}
          data-testid={`tab-${tab.id}`}
          style={({ isActive }) => ({
            flex: 1, display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', gap: 2,
            color: isActive ? '#1668dc' : '#666', textDecoration: 'none', fontSize: 12,
          })}
        >
          <Badge count={tab.badge ?? 0} size="small" offset={[6, 0]}>
            <span style={{ fontSize: 22, color: 'inherit' }}>{tab.icon}</span>
          </Badge>
          <span>{tab.label}</span>
        </NavLink>
      ))}
    </nav>
  );
}

/** A slim line at the top while offline, or when sends wait for a sign-in. */
function NetworkBar() {
  const { t } = useT();
  const { online, pendingCount } = useOutbox();
  if (online) return null;
  return (
    <div data-testid="offline-bar" style={{ background: '#fff7e6', color: '#ad6800', padding: '6px 12px', fontSize: 14, borderBottom: '1px solid #ffd591' }}>
      {t('net.offline')} · {t('net.pending', { count: pendingCount })}
    </div>
  );
}

/** The app's name and its bell, above every page. */
function TopBar() {
  const { t } = useT();
  return (
    <header style={{ position: 'sticky', top: 0, zIndex: 100, display: 'flex', alignItems: 'center', justifyContent: 'space-between', height: 44, padding: '0 4px 0 12px', background: '#fff', borderBottom: '1px solid #e5e5e5' }}>
      <span style={{ fontWeight: 600 }}>{t('app.name')}</span>
      <MobileNotificationBell />
    </header>
  );
}

function Shell() {
  const { state } = useMobileAuth();
  if (state.status === 'loading') return <Spin size="large" style={{ display: 'block', paddingTop: '35vh' }} />;
  if (state.status === 'anonymous') return <LoginPage reason={state.reason} />;
  return (
    <div style={{ minHeight: '100%', paddingBottom: ABOVE_TAB_BAR, boxSizing: 'border-box' }}>
      <TopBar />
      <NetworkBar />
      <main style={{ maxWidth: 480, margin: '0 auto' }}>
        <Routes>
          <Route path="/m/report" element={<ReportPage />} />
          <Route path="/m/tasks" element={<TasksPage />} />
          <Route path="/m/tasks/incident/:id" element={<IncidentTaskPage />} />
          <Route path="/m/tasks/visit/:householdId" element={<VisitPage />} />
          <Route path="/m/tasks/hotline/:id" element={<HotlineOrderPage />} />
          <Route path="/m/tasks/campaign/:id" element={<CampaignPage />} />
          <Route path="/m/patrol" element={<PatrolPage />} />
          <Route path="/m/me" element={<MePage />} />
          <Route path="*" element={<Navigate to="/m/report" replace />} />
        </Routes>
      </main>
      <TabBar />
    </div>
  );
}

function Themed({ children }: { children: ReactNode }) {
  const { lang } = useT();
  return (
    <ConfigProvider locale={lang === 'en' ? enUS : zhCN} theme={THEME} componentSize="large">
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

export function MobileApp() {
  return (
    <MobileI18nProvider>
      <Themed>
        <MobileAuthProvider>
          <OutboxProvider>
            <PatrolProvider>
              <BrowserRouter>
                <Shell />
              </BrowserRouter>
            </PatrolProvider>
          </OutboxProvider>
        </MobileAuthProvider>
      </Themed>
    </MobileI18nProvider>
  );
}
