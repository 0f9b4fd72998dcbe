import { Alert, App, Button, Card, Col, Form, Row, Select, Space, Steps, Switch, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { adminApi, type Workflow } from './api.js';
import { useAdminText, type AdminMessageKey } from './messages.js';

type Fields = Omit<Workflow, 'caseType' | 'version'>;

const STAGES = ['report', 'register', 'dispatch', 'handle', 'reply', 'verify', 'close'] as const;

/** The steps of a department-handled case under this workflow; a skipped verification is struck through. */
function stepItems(w: Fields, at: (k: AdminMessageKey) => string) {
  return STAGES.map((stage) => {
    const skipped = stage === 'verify' && !w.verificationRequired;
    let content: string | undefined;
    if (stage === 'register' && w.skipRegisterForGridWorker) content = at('wf.skipRegister');
    else if (stage === 'dispatch' && w.coordinationRequired) content = at('wf.coordinationRequired');
    else if (stage === 'verify') content = skipped ? at('wf.skipped') : at(`wf.verifier.${w.verifier}`);
    else if (stage === 'close') content = at(`wf.closer.${w.closer}`);
    return {
      status: skipped ? ('wait' as const) : ('finish' as const),
      title: <span style={skipped ? { textDecoration: 'line-through' } : undefined}>{at(`wf.stage.${stage}`)}</span>,
      content,
    };
  });
}

/** 办理流程: the workflow of each case type (即办 / 承诺 / 协调), one card each, saved under its version. */
export default function WorkflowsPanel() {
  const at = useAdminText();
  const [items, setItems] = useState<Workflow[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setItems((await adminApi.workflows()).workflows);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);
  useEffect(() => void load(), [load]);

  return (
    <div data-testid="panel-workflows">
      <Typography.Paragraph type="secondary">{at('wf.intro')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Row gutter={[16, 16]}>
        {items.map((w) => (
          <Col key={w.caseType} xs={24} xl={8}>
            <WorkflowCard workflow={w} onSaved={(saved) => setItems((xs) => xs.map((x) => (x.caseType === saved.caseType ? saved : x)))} />
          </Col>
        ))}
      </Row>
    </div>
  );
}

function WorkflowCard({ workflow, onSaved }: { workflow: Workflow; onSaved: (w: Workflow) => void }) {
  const at = useAdminText();
  const { message } = App.useApp();
  const [form] = Form.useForm<Fields>();
  const [saving, setSaving] = useState(false);
  const values = (Form.useWatch([], form) as Fields | undefined) ?? workflow;
  const id = workflow.caseType;
  useEffect(() => form.setFieldsValue(workflow), [form, workflow]);

  const save = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      onSaved(await adminApi.saveWorkflow({ ...workflow, ...v }));
      void message.success(at('common.saved'));
    } catch (err) {
      void message.error(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const options = <K extends 'selfResolve' | 'verifier' | 'closer'>(key: K, list: readonly Workflow[K][]) =>
    list.map((x) => ({ value: x, label: at(`wf.${key}.${x}` as AdminMessageKey) }));

  return (
    <Card
      size="small"
      data-testid={`wf-card-${id}`}
      title={at(`cat.caseType.${id}`)}
      extra={<Tag>{workflow.version === 0 ? at('wf.default') : at('wf.version', { version: workflow.version })}</Tag>}
    >
      <Steps orientation="vertical" size="small" items={stepItems(values, at)} data-testid={`wf-steps-${id}`} style={{ marginBottom: 12 }} />
      <Form form={form} layout="vertical" initialValues={workflow}>
        <Form.Item name="selfResolve" label={at('wf.selfResolve')}>
          <Select options={options('selfResolve', ['off', 'verify', 'no-verify'])} data-testid={`wf-${id}-selfResolve`} />
        </Form.Item>
        <Form.Item name="skipRegisterForGridWorker" label={at('wf.skipRegister')} valuePropName="checked">
          <Switch data-testid={`wf-${id}-skipRegister`} />
        </Form.Item>
        <Form.Item name="verificationRequired" label={at('wf.verificationRequired')} valuePropName="checked">
          <Switch data-testid={`wf-${id}-verificationRequired`} />
        </Form.Item>
        <Form.Item name="verifier" label={at('wf.verifier')}>
          <Select options={options('verifier', ['grid', 'reporter', 'centre'])} disabled={!values.verificationRequired} data-testid={`wf-${id}-verifier`} />
        </Form.Item>
        <Form.Item name="coordinationRequired" label={at('wf.coordinationRequired')} valuePropName="checked">
          <Switch data-testid={`wf-${id}-coordinationRequired`} />
        </Form.Item>
        <Form.Item name="closer" label={at('wf.closer')}>
          <Select options={options('closer', ['desk', 'supervisor'])} data-testid={`wf-${id}-closer`} />
        </Form.Item>
        <Space>
          <Button type="primary" loading={saving} onClick={() => void save()} data-testid={`wf-${id}-save`}>{at('common.save')}</Button>
        </Space>
      </Form>
    </Card>
  );
}
