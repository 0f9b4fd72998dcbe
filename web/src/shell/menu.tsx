import { AlertOutlined, ApiOutlined, AuditOutlined, BarChartOutlined, CalendarOutlined, CheckSquareOutlined, ControlOutlined, DatabaseOutlined, EditOutlined, EnvironmentOutlined, FileTextOutlined, FireOutlined, FlagOutlined, FundProjectionScreenOutlined, GlobalOutlined, HeartOutlined, HomeOutlined, IdcardOutlined, InboxOutlined, PhoneOutlined, SafetyCertificateOutlined, ScheduleOutlined, SolutionOutlined, TeamOutlined, TrophyOutlined } from '@ant-design/icons';
import { lazy, type ReactNode } from 'react';
import type { MessageKey } from './messages.js';

/**
 * The console's pages: one entry per menu item and route. A module adds its
 * page by appending an entry here (and its label key to messages.ts); the
 * menu, the route and the permission guard all follow from the entry.
 *
 * `permission` is a permission code from the server's catalogue (not a role):
 * the item shows, and the route opens, only for users whose `me.permissions`
 * include it. null means every signed-in user.
 */
export interface MenuEntry {
  /** Stable id; the menu item carries data-testid `menu-item-<key>`. */
  key: string;
  /** Absolute route path; sub-routes of a page go under `${path}/*`. */
  path: string;
  permission: string | null;
  /** When set, the user also needs at least one of these (a page that is empty without them, e.g. the work queues). */
  anyOf?: readonly string[];
  labelKey: MessageKey;
  icon: ReactNode;
  element: ReactNode;
  /** Drawn on the whole window, without the menu and header (the big screen). */
  fullScreen?: boolean;
}

// Pages load on demand so a heavy page (the map) does not weigh on the others.
const HomePage = lazy(() => import('./HomePage.js'));
const GridMapPage = lazy(() => import('../modules/grid/GridMapPage.js'));
const UsersPage = lazy(() => import('../modules/accounts/UsersPage.js'));
const RolesPage = lazy(() => import('../modules/accounts/RolesPage.js'));
const AuditPage = lazy(() => import('../modules/audit/AuditPage.js'));
const ConfigurationPage = lazy(() => import('../modules/admin/ConfigurationPage.js'));
const BasedataPage = lazy(() => import('../modules/basedata/BasedataPage.js'));
const IncidentQueuesPage = lazy(() => import('../modules/incidents/QueuesPage.js'));
const IncidentReportPage = lazy(() => import('../modules/incidents/ReportPage.js'));
const IncidentsPage = lazy(() => import('../modules/incidents/IncidentsPage.js'));
const IncidentMapPage = lazy(() => import('../modules/incidents/IncidentMapPage.js'));
const WorkforcePage = lazy(() => import('../modules/workforce/WorkforcePage.js'));
const MyAttendancePage = lazy(() => import('../modules/workforce/MyAttendancePage.js'));
const StatisticsPage = lazy(() => import('../modules/evaluation/DashboardPage.js'));
const AssessmentPage = lazy(() => import('../modules/evaluation/AssessmentPage.js'));
const ReportsPage = lazy(() => import('../modules/reports/ReportsPage.js'));
const ScreenPage = lazy(() => import('../modules/command/ScreenPage.js'));
const ClientsPage = lazy(() => import('../modules/clients/ClientsPage.js'));
const CascadePage = lazy(() => import('../modules/cascade/CascadePage.js'));
const CataloguePage = lazy(() => import('../modules/clients/CataloguePage.js'));
const PartyPage = lazy(() => import('../modules/party/PartyPage.js'));
const CadresPage = lazy(() => import('../modules/cadres/CadresPage.js'));
const LivelihoodPage = lazy(() => import('../modules/livelihood/LivelihoodPage.js'));
const HotlinePage = lazy(() => import('../modules/hotline/HotlinePage.js'));
const MeetingsPage = lazy(() => import('../modules/meetings/MeetingsPage.js'));
const CampaignsPage = lazy(() => import('../modules/campaigns/CampaignsPage.js'));
const WebhooksPage = lazy(() => import('../modules/webhooks/WebhooksPage.js'));
const HotSpotsPage = lazy(() => import('../modules/command/HotSpotsPage.js'));
const ExchangeImportPage = lazy(() => import('../modules/exchange/ImportPage.js'));

export const MENU: MenuEntry[] = [
  { key: 'home', path: '/', permission: null, labelKey: 'menu.home', icon: <HomeOutlined />, element: <HomePage /> },
  { key: 'grid', path: '/grid', permission: 'grid.read', labelKey: 'menu.grid', icon: <GlobalOutlined />, element: <GridMapPage /> },
  {
    key: 'incident-queues', path: '/queues', permission: 'incidents.read',
    // The queues' own permissions (the server's QUEUE_PERMISSIONS): a role with none has no queue to show.
    anyOf: ['incidents.register', 'incidents.dispatch', 'incidents.handle', 'incidents.verify', 'incidents.close', 'incidents.supervise'],
    labelKey: 'menu.incidentQueues', icon: <InboxOutlined />, element: <IncidentQueuesPage /> },
  { key: 'incident-report', path: '/report', permission: 'incidents.report', labelKey: 'menu.incidentReport', icon: <EditOutlined />, element: <IncidentReportPage /> },
  { key: 'incidents', path: '/incidents', permission: 'incidents.read', labelKey: 'menu.incidents', icon: <AlertOutlined />, element: <IncidentsPage /> },
  { key: 'incident-map', path: '/incident-map', permission: 'incidents.read', labelKey: 'menu.incidentMap', icon: <EnvironmentOutlined />, element: <IncidentMapPage /> },
  { key: 'statistics', path: '/statistics', permission: 'evaluation.read', labelKey: 'menu.statistics', icon: <BarChartOutlined />, element: <StatisticsPage /> },
  { key: 'assessment', path: '/assessment', permission: 'evaluation.read', labelKey: 'menu.assessment', icon: <TrophyOutlined />, element: <AssessmentPage /> },
  { key: 'reports', path: '/reports', permission: 'reports.read', labelKey: 'menu.reports', icon: <FileTextOutlined />, element: <ReportsPage /> },
  // Opens full screen, outside the console's layout (App.tsx); for those who watch the whole picture.
  { key: 'screen', path: '/screen', permission: 'incidents.read', anyOf: ['dashboard.read'], labelKey: 'menu.screen', icon: <FundProjectionScreenOutlined />, element: <ScreenPage />, fullScreen: true },
  { key: 'workforce', path: '/workforce', permission: 'workforce.read', labelKey: 'menu.workforce', icon: <ScheduleOutlined />, element: <WorkforcePage /> },
  { key: 'my-attendance', path: '/my-attendance', permission: 'workforce.patrol', labelKey: 'menu.myAttendance', icon: <CalendarOutlined />, element: <MyAttendancePage /> },
  { key: 'basedata', path: '/basedata', permission: 'residents.read', labelKey: 'menu.basedata', icon: <IdcardOutlined />, element: <BasedataPage /> },
  { key: 'users', path: '/admin/users', permission: 'users.manage', labelKey: 'menu.users', icon: <TeamOutlined />, element: <UsersPage /> },
  { key: 'roles', path: '/admin/roles', permission: 'roles.manage', labelKey: 'menu.roles', icon: <SafetyCertificateOutlined />, element: <RolesPage /> },
  { key: 'configuration', path: '/admin/config', permission: 'incidents.configure', labelKey: 'menu.configuration', icon: <ControlOutlined />, element: <ConfigurationPage /> },
  { key: 'audit', path: '/audit', permission: 'audit.read', labelKey: 'menu.audit', icon: <AuditOutlined />, element: <AuditPage /> },
  { key: 'api-clients', path: '/admin/clients', permission: 'clients.manage', labelKey: 'menu.apiClients', icon: <ApiOutlined />, element: <ClientsPage /> },
  { key: 'data-catalogue', path: '/admin/data-catalogue', permission: 'clients.manage', labelKey: 'menu.dataCatalogue', icon: <DatabaseOutlined />, element: <CataloguePage /> },
  { key: 'exchange-import', path: '/admin/exchange-import', permission: 'exchange.import', labelKey: 'menu.exchangeImport', icon: <DatabaseOutlined />, element: <ExchangeImportPage /> },
  { key: 'webhooks', path: '/admin/webhooks', permission: 'clients.manage', labelKey: 'menu.webhooks', icon: <ApiOutlined />, element: <WebhooksPage /> },
  { key: 'cascade', path: '/admin/cascade', permission: 'cascade.manage', labelKey: 'menu.cascade', icon: <ApiOutlined />, element: <CascadePage /> },
  { key: 'party', path: '/party', permission: 'party.read', labelKey: 'menu.party', icon: <FlagOutlined />, element: <PartyPage /> },
  { key: 'cadres', path: '/cadres', permission: 'cadres.read', labelKey: 'menu.cadres', icon: <SolutionOutlined />, element: <CadresPage /> },
  { key: 'livelihood', path: '/livelihood', permission: 'livelihood.read', labelKey: 'menu.livelihood', icon: <HeartOutlined />, element: <LivelihoodPage /> },
  { key: 'hotline', path: '/hotline', permission: 'hotline.read', labelKey: 'menu.hotline', icon: <PhoneOutlined />, element: <HotlinePage /> },
  { key: 'meetings', path: '/meetings', permission: 'meetings.read', labelKey: 'menu.meetings', icon: <SolutionOutlined />, element: <MeetingsPage /> },
  { key: 'campaigns', path: '/campaigns', permission: 'campaigns.read', labelKey: 'menu.campaigns', icon: <CheckSquareOutlined />, element: <CampaignsPage /> },
  // 高发点位: for those who watch the whole picture (docs/hot-spots.md).
  { key: 'hotspots', path: '/hotspots', permission: 'incidents.read', anyOf: ['dashboard.read'], labelKey: 'menu.hotspots', icon: <FireOutlined />, element: <HotSpotsPage /> },
];

/** Whether a user with these permissions may open the entry. */
export function entryAllowed(entry: MenuEntry, can: (permission: string | null) => boolean): boolean {
  return can(entry.permission) && (!entry.anyOf || entry.anyOf.some((p) => can(p)));
}

/** The entries a user with these permissions sees. */
export function visibleMenu(can: (permission: string | null) => boolean): MenuEntry[] {
  return MENU.filter((m) => entryAllowed(m, can));
}

/** The entry whose path best matches a location (longest prefix). */
export function menuEntryFor(pathname: string): MenuEntry | undefined {
  let best: MenuEntry | undefined;
  for (const m of MENU) {
    const match = m.path === '/' ? pathname === '/' : pathname === m.path || pathname.startsWith(`${m.path}/`);
    if (match && (!best || m.path.length > best.path.length)) best = m;
  }
  return best;
}
