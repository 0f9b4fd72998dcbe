import { Card, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useI18n } from './i18n.js';
import { LanguageSwitch } from './LanguageSwitch.js';

/** The frame of the pages outside the console: login and the forced password change. */
export function CenteredPage({ title, titleTestId, extra, children }: { title: string; titleTestId?: string; extra?: ReactNode; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div
      style={{
        minHeight: '100%',
        display: 'flex',
        flexDirection: 'column',
        alignItems: 'center',
        justifyContent: 'center',
        background: 'linear-gradient(160deg, #0f3a75 0%, #1d5fbf 55%, #e8eef7 55%)',
        padding: 24,
        boxSizing: 'border-box',
      }}
    >
      <Typography.Title level={2} style={{ color: '#fff', marginBottom: 24, textAlign: 'center' }}>
        {t('app.short')} · {t('app.name')}
      </Typography.Title>
      <Card
        style={{ width: 400, maxWidth: '100%', boxShadow: '0 8px 24px rgba(0,0,0,0.12)' }}
        title={<span data-testid={titleTestId}>{title}</span>}
        extra={
          <>
            {extra}
            <LanguageSwitch />
          </>
        }
      >
        {children}
      </Card>
    </div>
  );
}
