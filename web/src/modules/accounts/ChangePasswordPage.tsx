import { Alert, App, Button, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError, errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { CenteredPage } from '../../shell/CenteredPage.js';
import { useI18n } from '../../shell/i18n.js';
import { isMessageKey } from '../../shell/messages.js';
import { accountsApi } from './api.js';

interface PasswordForm {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

/** Own password change; forced (no way around it but logging out) while the server requires it. */
export default function ChangePasswordPage() {
  const { me, mustChangePassword, refresh, logout } = useAuth();
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<PasswordForm>();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<{ message: string; violations: string[] } | null>(null);

  async function submit(values: PasswordForm) {
    setSubmitting(true);
    setError(null);
    try {
      await accountsApi.changePassword(values.currentPassword, values.newPassword);
      void message.success(t('password.changed'));
      await refresh();
      navigate('/', { replace: true });
    } catch (err) {
      const violations = err instanceof ApiError && Array.isArray(err.details.violations) ? err.details.violations.map(String) : [];
      setError({ message: errorMessage(err), violations });
    } finally {
      setSubmitting(false);
    }
  }

  const violationText = (code: string) => {
    const key = `password.violation.${code}`;
    return isMessageKey(key) ? t(key) : code;
  };

  return (
    <CenteredPage
      title={t('password.title')}
      titleTestId="password-title"
      extra={
        mustChangePassword ? (
          <Button type="link" data-testid="logout" onClick={() => void logout().then(() => navigate('/login', { replace: true }))}>
            {t('header.logout')}
          </Button>
        ) : (
          <Button type="link" onClick={() => navigate(-1)}>
            {t('common.cancel')}
          </Button>
        )
      }
    >
      {mustChangePassword && <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('password.forcedHint')} data-testid="password-forced" />}
      {error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="password-error"
          title={error.message}
          description={
            error.violations.length > 0 ? (
              <ul style={{ margin: 0, paddingLeft: 18 }}>
                {error.violations.map((v) => (
                  <li key={v}>{violationText(v)}</li>
                ))}
              </ul>
            ) : undefined
          }
        />
      )}
      <Typography.Paragraph type="secondary">{t('password.policyHint')}</Typography.Paragraph>
      <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => void submit(v)}>
        {/* Lets password managers pair the new password with the account. */}
        <input type="text" name="username" autoComplete="username" value={me?.username ?? ''} readOnly hidden />
        <Form.Item name="currentPassword" label={t('password.current')} rules={[{ required: true, message: t('password.required') }]}>
          <Input.Password autoComplete="current-password" data-testid="password-current" />
        </Form.Item>
        <Form.Item name="newPassword" label={t('password.new')} rules={[{ required: true, message: t('password.required') }]}>
          <Input.Password autoComplete="new-password" data-testid="password-new" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('password.confirm')}
          dependencies={['newPassword']}
          rules={[
            { required: true, message: t('password.required') },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                !value || getFieldValue('newPassword') === value ? Promise.resolve() : Promise.reject(new Error(t('password.mismatch'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" data-testid="password-confirm" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={submitting} data-testid="password-submit">
          {t('password.submit')}
        </Button>
      </Form>
    </CenteredPage>
  );
}
