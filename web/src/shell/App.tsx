import { App as AntApp, Button, ConfigProvider, Result, Spin, type ConfigProviderProps } from 'antd';
import enUSModule from 'antd/es/locale/en_US.js';
import zhCNModule from 'antd/es/locale/zh_CN.js';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn.js';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { AppLayout } from './AppLayout.js';
import { AuthProvider, useAuth } from './auth.js';
import { I18nProvider, useI18n } from './i18n.js';
import { entryAllowed, MENU, type MenuEntry } from './menu.js';

type AntLocale = NonNullable<ConfigProviderProps['locale']>;
/** antd ships its locales as ES modules without "type": "module"; accept either interop shape. */
const esDefault = (m: unknown): AntLocale => ((m as { default?: AntLocale }).default ?? m) as AntLocale;
const enUS = esDefault(enUSModule);
const zhCN = esDefault(zhCNModule);

const LoginPage = lazy(() => import('../modules/accounts/LoginPage.js'));
const ChangePasswordPage = lazy(() => import('../modules/accounts/ChangePasswordPage.js'));

function FullPageSpin() {
  return <Spin size="large" style={{ display: 'block', paddingTop: '30vh' }} />;
}

/** Lets only signed-in users through, and only to the password page while a change is required. */
function RequireAuth({ children, allowDuringPasswordChange = false }: { children: ReactNode; allowDuringPasswordChange?: boolean }) {
  const { state, mustChangePassword } = useAuth();
  const location = useLocation();
  if (state.status === 'loading') return <FullPageSpin />;
  if (state.status === 'anonymous') return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (mustChangePassword && !allowDuringPasswordChange) return <Navigate to="/change-password" replace />;
  return <>{children}</>;
}

function Forbidden() {
  const { t } = useI18n();
  return (
    <Result
      status="403"
      title="403"
      subTitle={t('page.forbidden')}
      data-testid="page-forbidden"
      extra={<Link to="/"><Button type="primary">{t('page.backHome')}</Button></Link>}
    />
  );
}

function NotFound() {
  const { t } = useI18n();
  return (
    <Result
      status="404"
      title="404"
      subTitle={t('page.notFound')}
      extra={<Link to="/"><Button type="primary">{t('page.backHome')}</Button></Link>}
    />
  );
}

function Guarded({ entry }: { entry: MenuEntry }) {
  const { can } = useAuth();
  return entryAllowed(entry, can) ? <>{entry.element}</> : <Forbidden />;
}

function AppRoutes() {
  return (
    <Suspense fallback={<FullPageSpin />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          path="/change-password"
          element={
            <RequireAuth allowDuringPasswordChange>
              <ChangePasswordPage />
            </RequireAuth>
          }
        />
        {MENU.filter((m) => m.fullScreen).map((m) => (
          <Route key={m.key} path={m.path} element={<RequireAuth><Guarded entry={m} /></RequireAuth>} />
        ))}
        <Route
          element={
            <RequireAuth>
              <AppLayout />
            </RequireAuth>
          }
        >
          {MENU.filter((m) => !m.fullScreen).map((m) =>
            m.path === '/' ? (
              <Route key={m.key} index element={<Guarded entry={m} />} />
            ) : (
              <Route key={m.key} path={`${m.path}/*`} element={<Guarded entry={m} />} />
            ),
          )}
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

/** AntD's and dayjs' language follow the console's. */
function LocalizedApp() {
  const { lang } = useI18n();
  useEffect(() => {
    dayjs.locale(lang === 'en' ? 'en' : 'zh-cn');
  }, [lang]);
  return (
    <ConfigProvider locale={lang === 'en' ? enUS : zhCN} theme={{ token: { colorPrimary: '#1d5fbf', borderRadius: 4 } }}>
      <AntApp style={{ height: '100%' }}>
        <AuthProvider>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </AuthProvider>
      </AntApp>
    </ConfigProvider>
  );
}

export function App() {
  return (
    <I18nProvider>
      <LocalizedApp />
    </I18nProvider>
  );
}
