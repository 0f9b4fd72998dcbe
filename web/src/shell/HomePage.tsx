import { Card, Col, Descriptions, Empty, Row, Tag, Typography } from 'antd';
import { lazy, Suspense } from 'react';
import { Link } from 'react-router-dom';
import MyWorkCard from '../modules/incidents/MyWorkCard.js';
import { NoticesCard } from '../modules/command/NotificationBell.js';
import { useAuth } from './auth.js';
import { useI18n } from './i18n.js';
import { visibleMenu } from './menu.js';

// ECharts and the KPI code load only for those who read KPIs.
const HomeFigures = lazy(() => import('../modules/evaluation/HomeFigures.js'));
const LatestReports = lazy(() => import('../modules/reports/LatestReports.js'));

/** 工作台: who I am, what I may do, and the way into it. */
export default function HomePage() {
  const { me, can } = useAuth();
  const { t, pick } = useI18n();
  if (!me) return null;
  const shortcuts = visibleMenu(can).filter((m) => m.key !== 'home');
  return (
    <div data-testid="page-home">
      <Typography.Title level={3}>{t('home.welcome', { name: me.displayName })}</Typography.Title>
      <Row gutter={[16, 16]}>
        {can('evaluation.read') && (
          <Col span={24}>
            <Suspense fallback={null}>
              <HomeFigures />
            </Suspense>
          </Col>
        )}
        {can('reports.read') && (
          <Col span={24}>
            <Suspense fallback={null}>
              <LatestReports />
            </Suspense>
          </Col>
        )}
        {can('incidents.read') && (
          <Col span={24}>
            <MyWorkCard />
          </Col>
        )}
        <Col span={24}>
          <NoticesCard />
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('home.roles')}>
            {me.roles.length === 0 ? (
              <Empty description={t('home.noRoles')} />
            ) : (
              <Descriptions column={1} size="small">
                {me.roles.map((r) => (
                  <Descriptions.Item key={`${r.role}:${r.scope.kind}:${r.scope.code}`} label={pick(r.roleName, r.roleNameEn)}>
                    {t('common.scopeOf', { name: r.scope.name, code: r.scope.code })}
                  </Descriptions.Item>
                ))}
              </Descriptions>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('home.shortcuts')}>
            {shortcuts.length === 0 ? (
              <Empty />
            ) : (
              shortcuts.map((m) => (
                <Link key={m.key} to={m.path} style={{ marginRight: 8 }}>
                  <Tag icon={m.icon} style={{ padding: '4px 10px', fontSize: 14, cursor: 'pointer' }}>
                    {t(m.labelKey)}
                  </Tag>
                </Link>
              ))
            )}
          </Card>
        </Col>
      </Row>
    </div>
  );
}
