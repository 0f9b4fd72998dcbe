import { Button, Modal, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { useMobileAuth } from '../auth.js';
import { useT } from '../i18n.js';
import { useCachedGet } from '../offline/cache.js';
import { useOutbox } from '../offline/outbox.js';
import { applyUpdate, onUpdateReady } from '../sw-register.js';
import { PageHeader, section } from '../ui.js';
import { WORKFORCE_ME, type WorkforceMe } from '../workforce.js';
import { OutboxList } from './OutboxList.js';

/** 我的: who is signed in, the outbox with every item's state, language, updates, sign-out. */
export default function MePage() {
  const { t, lang, setLang, pick } = useT();
  const { me, logout } = useMobileAuth();
  const { pendingCount } = useOutbox();
  const workforce = useCachedGet<WorkforceMe>(me?.id ?? null, WORKFORCE_ME).value?.data ?? null;
  const [update, setUpdate] = useState(false);
  const [persistent, setPersistent] = useState<boolean | null>(null);
  useEffect(() => onUpdateReady(setUpdate), []);
  useEffect(() => {
    void navigator.storage?.persisted?.().then(setPersistent).catch(() => undefined);
  }, []);
  if (!me) return null;

  const signOut = () => {
    if (pendingCount === 0) {
      void logout();
      return;
    }
    Modal.confirm({ title: t('me.logout'), content: t('me.logoutPending', { count: pendingCount }), onOk: () => logout() });
  };

  return (
    <div data-testid="page-me">
      <PageHeader title={t('me.title')} />
      <section style={section}>
        <div style={{ fontSize: 20, fontWeight: 600 }} data-testid="me-name">{me.displayName}</div>
        <div style={{ color: '#888' }}>{me.username}</div>
        <div style={{ marginTop: 8 }}>
          {me.roles.map((r) => <Tag key={`${r.role}-${r.scope.code}`}>{pick(r.roleName, r.roleNameEn)} · {r.scope.name}</Tag>)}
        </div>
        {workforce && workforce.grids.length > 0 && (
          <div style={{ marginTop: 8 }}>
            <span style={{ color: '#888', marginRight: 6 }}>{t('me.grids')}</span>
            {workforce.grids.map((g) => <Tag key={g.code} color="blue">{g.name}</Tag>)}
          </div>
        )}
      </section>
      {update && (
        <div style={{ padding: '0 12px' }}>
          <Button block type="primary" onClick={applyUpdate} data-testid="app-update">{t('me.update')}</Button>
        </div>
      )}
      <OutboxList />
      <section style={section}>
        <div style={{ color: '#666', fontSize: 14 }}>{t('me.installHint')}</div>
        {persistent !== null && (
          <div style={{ color: '#888', fontSize: 13, marginTop: 4 }}>
            {t('me.storage', { state: t(persistent ? 'me.storagePersistent' : 'me.storageBestEffort') })}
          </div>
        )}
        <div style={{ display: 'flex', gap: 8, marginTop: 12 }}>
          <Button block onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')} data-testid="me-language">{t('me.language')}</Button>
          <Button block href="/">{t('me.console')}</Button>
        </div>
        <Button block danger style={{ marginTop: 8 }} onClick={signOut} data-testid="me-logout">{t('me.logout')}</Button>
      </section>
    </div>
  );
}
