import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input } from 'antd';
import { useState } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { ApiError, errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { CenteredPage } from '../../shell/CenteredPage.js';
import { useI18n } from '../../shell/i18n.js';
import { formatDateTime } from '../../shell/time.js';

interface LoginForm {
  username: string;
  password: string;
}

export default function LoginPage() {
  const { state, mustChangePassword, login } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  const [form] = Form.useForm<LoginForm>();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<{ message: string; lockedUntil?: string } | null>(null);

  if (state.status === 'authenticated') {
    const from = (location.state as { from?: string } | null)?.from;
    return <Navigate to={mustChangePassword ? '/change-password' : from && from !== '/login' ? from : '/'} replace />;
  }

  async function submit(values: LoginForm) {
    setSubmitting(true);
    setError(null);
    try {
      await login(values.username.trim(), values.password);
    } catch (err) {
      const lockedUntil = err instanceof ApiError && typeof err.details.lockedUntil === 'string' ? err.details.lockedUntil : undefined;
      setError({ message: errorMessage(err), ...(lockedUntil ? { lockedUntil } : {}) });
      form.setFieldValue('password', '');
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <CenteredPage title={t('login.title')} titleTestId="login-title">
      {state.status === 'anonymous' && state.reason === 'ended' && !error && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title={t('header.sessionEnded')} />
      )}
      {error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="login-error"
          title={error.message}
          description={error.lockedUntil ? t('login.lockedUntil', { time: formatDateTime(error.lockedUntil) }) : undefined}
        />
      )}
      <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => void submit(v)} disabled={state.status === 'loading'}>
        <Form.Item name="username" label={t('login.username')} rules={[{ required: true, whitespace: true, message: t('login.usernameRequired') }]}>
          <Input prefix={<UserOutlined />} autoComplete="username" autoFocus data-testid="login-username" />
        </Form.Item>
        <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
          <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="login-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={submitting} data-testid="login-submit">
          {t('login.submit')}
        </Button>
      </Form>
    </CenteredPage>
  );
}
