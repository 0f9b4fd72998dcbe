import { AutoComplete, Cascader, Form, Input, InputNumber, Modal, Select, Space } from 'antd';
import { useEffect, useState } from 'react';
import { useI18n } from '../../shell/i18n.js';
import { incidentApi, type ActionType, type Duplicate, type IncidentDetail } from './api.js';
import { PhotoUpload, type Reference } from './common.js';
import { useIncidentText } from './messages.js';

type Field =
  | 'note' | 'reason' | 'category' | 'categoryOptional' | 'lead' | 'coHandlers' | 'result' | 'afterPhotosRequired'
  | 'photos' | 'extension' | 'extensionOptional' | 'beforePhotos' | 'afterPhotos' | 'departments' | 'responseLimit' | 'intoCode'
  | 'assignee' | 'taskLimits' | 'reopen';

/** The payload fields of each action's form. */
const FIELDS: Record<ActionType, Field[]> = {
  accept: ['note'],
  register: ['category', 'note'],
  reject: ['reason'],
  dispatch: ['lead', 'coHandlers', 'taskLimits', 'note'],
  return: ['reason'],
  'start-handling': ['note'],
  reply: ['result', 'afterPhotosRequired'],
  'start-verify': ['note'],
  'verify-pass': ['note', 'photos'],
  'verify-fail': ['reason', 'reopen', 'photos'],
  close: ['note'],
  'request-extension': ['extension', 'reason'],
  'approve-extension': ['extensionOptional', 'note'],
  'refuse-extension': ['reason'],
  'request-defer': ['reason'],
  'approve-defer': ['note'],
  'refuse-defer': ['reason'],
  urge: ['note'],
  'self-resolve': ['categoryOptional', 'beforePhotos', 'afterPhotos', 'note'],
  escalate: ['departments', 'responseLimit', 'note'],
  respond: ['note'],
  merge: ['intoCode', 'note'],
  assign: ['assignee', 'note'],
};

/** Actions that refuse or undo, shown as danger buttons. */
export const DANGER_ACTIONS: ReadonlySet<ActionType> = new Set(['reject', 'return', 'verify-fail', 'refuse-extension', 'refuse-defer']);

interface Values {
  note?: string;
  reason?: string;
  category?: string[];
  lead?: string;
  coHandlers?: string[];
  result?: string;
  photos?: string[];
  beforePhotos?: string[];
  afterPhotos?: string[];
  extAmount?: number;
  extUnit?: 'hours' | 'days';
  departments?: string[];
  limitAmount?: number;
  limitUnit?: 'hours' | 'days';
  intoCode?: string;
  /** `department|userId` of the person picked. */
  assignee?: string;
  taskLimits?: Record<string, { amount?: number | null; unit?: 'hours' | 'days' }>;
  reopen?: string[];
}

/** The request body of an action from its form (version added by the caller). */
function bodyOf(type: ActionType, v: Values): Record<string, unknown> {
  const text = (s?: string) => (s && s.trim() ? s.trim() : undefined);
  const body: Record<string, unknown> = { type };
  const note = text(v.note);
  if (note) body.note = note;
  switch (type) {
    case 'register':
      body.categoryCode = v.category?.[1];
      break;
    case 'reject':
    case 'return':
    case 'verify-fail':
    case 'refuse-extension':
    case 'request-defer':
    case 'refuse-defer':
      body.reason = text(v.reason) ?? '';
      break;
    case 'dispatch': {
      body.leadDepartmentCode = v.lead;
      const co = (v.coHandlers ?? []).filter((c) => c !== v.lead);
      if (co.length) body.coHandlerDepartmentCodes = co;
      const limits = Object.fromEntries(
        co.flatMap((c) => {
          const l = v.taskLimits?.[c];
          return l?.amount ? [[c, { amount: l.amount, unit: l.unit ?? 'hours' }]] : [];
        }),
      );
      if (Object.keys(limits).length > 0) body.taskLimits = limits;
      break;
    }
    case 'assign': {
      const [departmentCode, userId] = (v.assignee ?? '').split('|');
      body.departmentCode = departmentCode;
      body.assigneeUserId = Number(userId);
      break;
    }
    case 'reply':
      body.result = text(v.result) ?? '';
      body.photos = v.photos ?? [];
      break;
    case 'request-extension':
      body.extension = { amount: v.extAmount, unit: v.extUnit ?? 'days' };
      body.reason = text(v.reason) ?? '';
      break;
    case 'approve-extension':
      if (v.extAmount) body.extension = { amount: v.extAmount, unit: v.extUnit ?? 'days' };
      break;
    case 'self-resolve':
      if (v.category?.length === 2) body.categoryCode = v.category[1];
      body.beforePhotos = v.beforePhotos ?? [];
      body.afterPhotos = v.afterPhotos ?? [];
      break;
    case 'escalate':
      body.departmentCodes = v.departments ?? [];
      if (v.limitAmount) body.responseLimit = { amount: v.limitAmount, unit: v.limitUnit ?? 'hours' };
      break;
    case 'merge':
      body.intoCode = v.intoCode?.trim();
      break;
    default:
      break;
  }
  if ((type === 'verify-pass' || type === 'verify-fail') && v.photos?.length) body.photos = v.photos;
  if (type === 'verify-fail' && v.reopen?.length) body.reopenDepartmentCodes = v.reopen;
  return body;
}

function initialValues(type: ActionType, detail: IncidentDetail, ref: Reference | null): Values {
  const inc = detail.incident;
  const cat = inc.categoryCode ? ref?.categories.find((c) => c.code === inc.categoryCode) : undefined;
  const category = cat ? [cat.majorCode, cat.code] : undefined;
  switch (type) {
    case 'dispatch':
      return {
        lead: detail.suggestedDispatch?.leadDepartmentCode ?? undefined,
        coHandlers: detail.suggestedDispatch?.coHandlerDepartmentCodes ?? [],
      };
    case 'register':
      return { category };
    case 'self-resolve':
      return { category, beforePhotos: inc.photos, afterPhotos: [] };
    case 'request-extension':
      return { extAmount: 1, extUnit: 'days' };
    case 'approve-extension':
      return detail.extensionPending
        ? { extAmount: detail.extensionPending.extension.amount, extUnit: detail.extensionPending.extension.unit }
        : { extUnit: 'days' };
    case 'escalate':
      return { limitUnit: 'hours' };
    default:
      return {};
  }
}

export function ActionModal({
  type, detail, reference, onCancel, onSubmit,
}: {
  type: ActionType | null;
  detail: IncidentDetail;
  reference: Reference | null;
  onCancel: () => void;
  onSubmit: (type: ActionType, body: Record<string, unknown>) => Promise<void>;
}) {
  const it = useIncidentText();
  const { pick } = useI18n();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [duplicates, setDuplicates] = useState<Duplicate[]>([]);
  const [assignees, setAssignees] = useState<{ departmentCode: string; handlers: { userId: number; name: string }[] }[]>([]);
  const incidentId = detail.incident.id;
  const coHandlers = Form.useWatch('coHandlers', form);
  const lead = Form.useWatch('lead', form);
  // Assigning offers the handlers of the caller's departments on the case, by name.
  useEffect(() => {
    if (type !== 'assign') return;
    let live = true;
    incidentApi
      .assignees(incidentId)
      .then((d) => live && setAssignees(d.items))
      .catch(() => live && setAssignees([]));
    return () => {
      live = false;
    };
  }, [type, incidentId]);
  // Merging offers the likely duplicates found nearby (same category, open), by case code.
  useEffect(() => {
    if (type !== 'merge') return;
    let live = true;
    incidentApi
      .duplicates(incidentId)
      .then((d) => live && setDuplicates(d.items))
      .catch(() => live && setDuplicates([]));
    return () => {
      live = false;
    };
  }, [type, incidentId]);
  useEffect(() => {
    if (type) {
      form.resetFields();
      form.setFieldsValue(initialValues(type, detail, reference));
    }
  }, [type, detail, reference, form]);
  if (!type) return null;
  const fields = FIELDS[type];
  const has = (f: Field) => fields.includes(f);
  const required = [{ required: true, message: it('form.required') }];
  const requiredText = [{ required: true, whitespace: true, message: it('form.required') }];
  // The case street's own handling units first; other streets' units cannot take it (the server refuses them too).
  const street = detail.incident.streetCode;
  const departments = (reference?.departments ?? [])
    .filter((d) => d.status === 'active' && (d.streetCode == null || d.streetCode === street))
    .sort((a, b) => Number(b.streetCode === street) - Number(a.streetCode === street))
    .map((d) => ({ value: d.code, label: `${pick(d.name, d.nameEn)}（${d.code}）${d.streetCode ? ` · ${it('form.streetUnit')}` : ''}` }));
  const unitSelect = (name: 'extUnit' | 'limitUnit') => (
    <Form.Item name={name} noStyle>
      <Select style={{ width: 130 }} options={[{ value: 'hours', label: it('form.unit.hours') }, { value: 'days', label: it('form.unit.days') }]} />
    </Form.Item>
  );

  return (
    <Modal
      open
      title={it(`action.${type}`)}
      okText={it('form.submit')}
      okButtonProps={{ 'data-testid': 'action-submit', danger: DANGER_ACTIONS.has(type) }}
      confirmLoading={busy}
      onCancel={onCancel}
      destroyOnHidden
      data-testid="action-modal"
      onOk={async () => {
        const v = await form.validateFields();
        setBusy(true);
        try {
          await onSubmit(type, bodyOf(type, v));
        } finally {
          setBusy(false);
        }
      }}
    >
      <Form form={form} layout="vertical" data-testid={`action-form-${type}`}>
        {has('category') && (
          <Form.Item name="category" label={it('form.category')} rules={required}>
            <Cascader options={reference?.categoryOptions ?? []} showSearch data-testid="action-category" />
          </Form.Item>
        )}
        {has('categoryOptional') && (
          <Form.Item name="category" label={it('form.category')} rules={detail.incident.categoryCode ? [] : required}>
            <Cascader options={reference?.categoryOptions ?? []} showSearch data-testid="action-category" />
          </Form.Item>
        )}
        {has('lead') && (
          <Form.Item name="lead" label={it('form.lead')} rules={required}>
            <Select showSearch={{ optionFilterProp: 'label' }} options={departments} data-testid="action-lead" />
          </Form.Item>
        )}
        {has('coHandlers') && (
          <Form.Item name="coHandlers" label={it('form.coHandlers')}>
            <Select mode="multiple" allowClear showSearch={{ optionFilterProp: 'label' }} options={departments} data-testid="action-co-handlers" />
          </Form.Item>
        )}
        {has('taskLimits') && (coHandlers ?? []).filter((c) => c !== lead).length > 0 && (
          <Form.Item label={it('form.taskLimits')}>
            <Space direction="vertical" size={4}>
              {(coHandlers ?? []).filter((c) => c !== lead).map((c) => (
                <Space key={c} size={8}>
                  <span style={{ display: 'inline-block', minWidth: 120 }}>{reference?.departmentName(c) ?? c}</span>
                  <Space.Compact>
                    <Form.Item name={['taskLimits', c, 'amount']} noStyle>
                      <InputNumber min={0.5} max={1000} step={0.5} data-testid={`action-task-limit-${c}`} />
                    </Form.Item>
                    <Form.Item name={['taskLimits', c, 'unit']} noStyle initialValue="hours">
                      <Select style={{ width: 110 }} options={[{ value: 'hours', label: it('form.unit.hours') }, { value: 'days', label: it('form.unit.days') }]} />
                    </Form.Item>
                  </Space.Compact>
                </Space>
              ))}
            </Space>
          </Form.Item>
        )}
        {has('assignee') && (
          <Form.Item name="assignee" label={it('form.assignee')} rules={required}>
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              data-testid="action-assignee"
              options={assignees.flatMap((d) =>
                d.handlers.map((h) => ({
                  value: `${d.departmentCode}|${h.userId}`,
                  label: assignees.length > 1 ? `${h.name}（${reference?.departmentName(d.departmentCode) ?? d.departmentCode}）` : h.name,
                })),
              )}
            />
          </Form.Item>
        )}
        {has('reopen') && detail.tasks.some((t) => t.role === 'co') && (
          <Form.Item name="reopen" label={it('form.reopen')}>
            <Select
              mode="multiple"
              allowClear
              data-testid="action-reopen"
              options={detail.tasks.filter((t) => t.role === 'co').map((t) => ({ value: t.departmentCode, label: reference?.departmentName(t.departmentCode) ?? t.departmentCode }))}
            />
          </Form.Item>
        )}
        {has('departments') && (
          <Form.Item name="departments" label={it('form.departments')} rules={required}>
            <Select mode="multiple" showSearch={{ optionFilterProp: 'label' }} options={departments} data-testid="action-departments" />
          </Form.Item>
        )}
        {has('result') && (
          <Form.Item name="result" label={it('form.result')} rules={requiredText}>
            <Input.TextArea rows={3} maxLength={4000} data-testid="action-result" />
          </Form.Item>
        )}
        {has('afterPhotosRequired') && (
          <Form.Item name="photos" label={it('form.afterPhotos')} rules={[{ required: true, type: 'array', min: 1, message: it('form.required') }]}>
            <PhotoUpload testId="action-photos" />
          </Form.Item>
        )}
        {has('beforePhotos') && (
          <Form.Item name="beforePhotos" label={it('form.beforePhotos')} rules={[{ required: true, type: 'array', min: 1, message: it('form.required') }]}>
            <PhotoUpload testId="action-before-photos" />
          </Form.Item>
        )}
        {has('afterPhotos') && (
          <Form.Item name="afterPhotos" label={it('form.afterPhotos')} rules={[{ required: true, type: 'array', min: 1, message: it('form.required') }]}>
            <PhotoUpload testId="action-after-photos" />
          </Form.Item>
        )}
        {has('photos') && (
          <Form.Item name="photos" label={it('form.photos')}>
            <PhotoUpload testId="action-photos" />
          </Form.Item>
        )}
        {(has('extension') || has('extensionOptional')) && (
          <Form.Item label={it('form.extension')} required={has('extension')}>
            <Space.Compact>
              <Form.Item name="extAmount" noStyle rules={has('extension') ? required : []}>
                <InputNumber min={0.5} max={1000} step={0.5} data-testid="action-ext-amount" />
              </Form.Item>
              {unitSelect('extUnit')}
            </Space.Compact>
          </Form.Item>
        )}
        {has('responseLimit') && (
          <Form.Item label={it('form.responseLimit')}>
            <Space.Compact>
              <Form.Item name="limitAmount" noStyle>
                <InputNumber min={0.5} max={1000} step={0.5} />
              </Form.Item>
              {unitSelect('limitUnit')}
            </Space.Compact>
          </Form.Item>
        )}
        {has('intoCode') && (
          <Form.Item
            name="intoCode"
            label={it('form.intoCode')}
            extra={it('form.intoCodeHint')}
            rules={[...required, { pattern: /^\s*\d{12,14}\s*$/, message: it('form.intoCodeHint') }]}
          >
            <AutoComplete
              data-testid="action-into-code"
              options={duplicates.map((d) => ({
                value: d.code,
                label: <span data-testid={`duplicate-${d.code}`}>{it('form.duplicate', { code: d.code, distance: Math.round(d.distanceM), description: d.description.slice(0, 40) })}</span>,
              }))}
            />
          </Form.Item>
        )}
        {has('reason') && (
          <Form.Item name="reason" label={it('form.reason')} rules={requiredText}>
            <Input.TextArea rows={3} maxLength={2000} data-testid="action-reason" />
          </Form.Item>
        )}
        {has('note') && (
          <Form.Item name="note" label={it('form.note')}>
            <Input.TextArea rows={2} maxLength={2000} data-testid="action-note" />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
