import { Alert, Button, Form, Input } from 'antd';
import { useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useMobileAuth } from '../auth.js';
import { useT } from '../i18n.js';
import { useOutbox } from '../offline/outbox.js';

/**
 * Sign-in. An ended session lands here too: the outbox is untouched and resumes after the sign-in
 * (items made by another account wait for that account).
 */
export default function LoginPage({ reason }: { reason: 'none' | 'ended' | 'offline' }) {
  const { t, lang, setLang } = useT();
  const { login } = useMobileAuth();
  const { items, online } = useOutbox();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const waiting = items.filter((i) => i.state === 'waiting' || i.state === 'sending');

  const submit = async (v: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      const me = await login(v.username.trim(), v.password);
      if (me.mustChangePassword || me.passwordExpired) setError(t('login.passwordChange'));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="page-login" style={{ maxWidth: 420, margin: '0 auto', padding: '12vh 20px 20px' }}>
      <div style={{ textAlign: 'center', marginBottom: 24 }}>
        <img src="/m/icons/icon-192.png" alt="" width={72} height={72} style={{ borderRadius: 16 }} />
        <h1 style={{ margin: '12px 0 4px', fontSize: 24 }}>{t('app.name')}</h1>
        <div style={{ color: '#888' }}>{t('login.title')}</div>
      </div>
      {reason === 'ended' && <Alert type="warning" showIcon title={t('login.ended')} style={{ marginBottom: 12 }} data-testid="login-ended" />}
      {(!online || reason === 'offline') && <Alert type="info" showIcon title={t('login.offline')} style={{ marginBottom: 12 }} />}
      {waiting.length > 0 && <Alert type="info" showIcon title={t('login.waiting', { count: waiting.length })} style={{ marginBottom: 12 }} data-testid="login-waiting" />}
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="login-error" />}
      <Form layout="vertical" onFinish={(v: { username: string; password: string }) => void submit(v)} requiredMark={false}>
        <Form.Item name="username" label={t('login.username')} rules={[{ required: true, message: t('common.required') }]}>
          <Input autoComplete="username" autoCapitalize="off" data-testid="login-username" />
        </Form.Item>
        <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password autoComplete="current-password" data-testid="login-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={busy} data-testid="login-submit" style={{ height: 52 }}>
          {t('login.submit')}
        </Button>
      </Form>
      <div style={{ textAlign: 'center', marginTop: 24, display: 'flex', justifyContent: 'center', gap: 16 }}>
        <Button type="link" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>{t('me.language')}</Button>
        <Button type="link" href="/">{t('login.openConsole')}</Button>
      </div>
    </div>
  );
}
