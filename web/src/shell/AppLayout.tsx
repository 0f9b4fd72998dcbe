import { DownOutlined, KeyOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Dropdown, Layout, Menu, Space, Spin, Tag, Typography, theme } from 'antd';
import { Suspense } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from './auth.js';
import { useI18n } from './i18n.js';
import { LanguageSwitch } from './LanguageSwitch.js';
import { menuEntryFor, visibleMenu } from './menu.js';
import { NotificationBell } from '../modules/command/NotificationBell.js';

/** Signed-in frame: menu on the left, user and language in the header, the page in the middle. */
export function AppLayout() {
  const { me, can, logout } = useAuth();
  const { t, pick } = useI18n();
  const location = useLocation();
  const navigate = useNavigate();
  const { token } = theme.useToken();
  const entries = visibleMenu(can);
  const current = menuEntryFor(location.pathname);
  const roleNames = [...new Set((me?.roles ?? []).map((r) => pick(r.roleName, r.roleNameEn)))];

  return (
    <Layout style={{ minHeight: '100%' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={64} width={208} theme="dark">
        <div
          style={{ height: 56, display: 'flex', alignItems: 'center', padding: '0 20px', color: '#fff', fontWeight: 600, fontSize: 16, whiteSpace: 'nowrap', overflow: 'hidden' }}
          title={t('app.name')}
        >
          {t('app.short')}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          data-testid="main-menu"
          selectedKeys={current ? [current.key] : []}
          items={entries.map((m) => ({
            key: m.key,
            icon: m.icon,
            label: (
              <Link to={m.path} data-testid={`menu-item-${m.key}`}>
                {t(m.labelKey)}
              </Link>
            ),
          }))}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: token.colorBgContainer,
            padding: '0 24px',
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'space-between',
            borderBottom: `1px solid ${token.colorBorderSecondary}`,
            height: 56,
          }}
        >
          <Typography.Text strong style={{ fontSize: 16 }}>
            {t('app.name')}
          </Typography.Text>
          <Space size="middle">
            <Space size={4} data-testid="header-roles">
              {roleNames.map((name) => (
                <Tag key={name} color="blue">
                  {name}
                </Tag>
              ))}
            </Space>
            <NotificationBell />
            <Dropdown
              menu={{
                items: [{ key: 'password', icon: <KeyOutlined />, label: t('header.changePassword') }],
                onClick: ({ key }) => {
                  if (key === 'password') navigate('/change-password');
                },
              }}
            >
              <Button type="text" data-testid="header-user">
                <UserOutlined />
                <span data-testid="header-display-name">{me?.displayName}</span>
                <DownOutlined style={{ fontSize: 10 }} />
              </Button>
            </Dropdown>
            <LanguageSwitch />
            <Button
              type="text"
              icon={<LogoutOutlined />}
              data-testid="logout"
              onClick={() => {
                void logout().then(() => navigate('/login', { replace: true }));
              }}
            >
              {t('header.logout')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 24 }}>
          <Suspense fallback={<Spin style={{ display: 'block', marginTop: 80 }} />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
