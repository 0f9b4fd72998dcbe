import { Alert, App, Button, Form, Input, InputNumber, Modal, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { formatDateTime } from '../../shell/time.js';
import { basedataApi, type Place, type PlaceInput } from './api.js';
import { PLACE_TYPES, placeTypeLabel } from './codes.js';
import { BASE, FormActions, GridCodeInput } from './common.js';
import { changedFields, usePagedList, useSubmit } from './hooks.js';
import { useBasedataText, type BasedataText } from './messages.js';

/** Places (场所): schools, markets, hospitals and the small premises (九小场所), by grid and type; registering one. */
export default function PlacesPanel() {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const list = usePagedList(basedataApi.places, {} as { gridCode?: string; type?: string });
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState<Place | null>(null);
  const manage = can('residents.manage');
  const typeOptions = PLACE_TYPES.map((value) => ({ value, label: t(`placeType.${value}`) }));
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space wrap style={{ width: '100%', justifyContent: 'space-between' }}>
        <Form layout="inline" onFinish={list.search} data-testid="place-filter">
          <Form.Item name="gridCode"><GridCodeInput placeholder={t('f.gridCode')} /></Form.Item>
          <Form.Item name="type"><Select allowClear placeholder={t('place.type')} options={typeOptions} style={{ width: 200 }} data-testid="place-filter-type" /></Form.Item>
          <Button type="primary" htmlType="submit">{tt('common.search')}</Button>
        </Form>
        {manage && <Button onClick={() => setOpen(true)} data-testid="place-register">{t('place.register')}</Button>}
      </Space>
      {list.error && <Alert type="error" message={list.error} />}
      <Table<Place>
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.items}
        pagination={list.pagination}
        data-testid="place-list"
        columns={[
          { title: t('place.name'), dataIndex: 'name', render: (v: string, p) => <Link to={`${BASE}/places/${p.id}`} data-testid="place-link">{v}</Link> },
          { title: t('place.type'), dataIndex: 'type', render: (v: string) => placeTypeLabel(t, v) },
          { title: t('col.address'), dataIndex: 'address' },
          { title: t('place.contact'), dataIndex: 'contactName', render: (v: string | null) => v ?? '' },
          { title: t('col.grid'), dataIndex: 'gridCode' },
          {
            title: t('place.lastInspected'), dataIndex: 'lastInspectedAt',
            render: (v: string | null) => (v ? formatDateTime(v) : <Typography.Text type="secondary">{t('place.neverInspected')}</Typography.Text>),
          },
          ...(manage ? [{
            title: tt('common.actions'), key: 'actions',
            render: (_: unknown, p: Place) => <Button type="link" size="small" onClick={() => setEditing(p)} data-testid="place-edit">{tt('common.edit')}</Button>,
          }] : []),
        ]}
      />
      {editing && <PlaceEdit key={editing.id} place={editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); list.reload(); }} />}
      <PlaceForm
        open={open}
        onClose={() => setOpen(false)}
        // Straight to the new place: recording its first inspection is the usual next step.
        onSaved={(id) => { setOpen(false); navigate(`${BASE}/places/${id}`); }}
      />
    </Space>
  );
}

const PLACE_FIELDS = ['gridCode', 'name', 'type', 'address', 'contactName', 'lng', 'lat'] as const;
const GRID_ERRORS = { BASEDATA_UNKNOWN_GRID: 'gridCode', BASEDATA_OUT_OF_SCOPE: 'gridCode' };

/** The form's values as the API takes them: trimmed, an empty contact or coordinate is null. */
function placeValues(v: PlaceInput): PlaceInput {
  return { ...v, address: v.address?.trim() ?? '', contactName: v.contactName?.trim() || null, lng: v.lng ?? null, lat: v.lat ?? null };
}

/** The fields of a place, for registering and editing; `prefix` names the test ids. */
function PlaceFields({ prefix, t }: { prefix: string; t: BasedataText }) {
  return (
    <>
      <Form.Item name="gridCode" label={t('f.unitGrid')} rules={[{ required: true }, { pattern: /^\d{15}$/, message: t('f.unitGridPattern') }]}>
        <GridCodeInput unit testId={`${prefix}-grid`} />
      </Form.Item>
      <Form.Item name="name" label={t('place.name')} rules={[{ required: true, whitespace: true }, { max: 200 }]}><Input data-testid={`${prefix}-name`} /></Form.Item>
      <Form.Item name="type" label={t('place.type')} rules={[{ required: true }]}>
        <Select options={PLACE_TYPES.map((value) => ({ value, label: t(`placeType.${value}`) }))} data-testid={`${prefix}-type`} />
      </Form.Item>
      <Form.Item name="address" label={t('col.address')} rules={[{ max: 300 }]}><Input data-testid={`${prefix}-address`} /></Form.Item>
      <Form.Item name="contactName" label={t('place.contact')} rules={[{ max: 64 }]}><Input /></Form.Item>
      <Space>
        <Form.Item name="lng" label={t('f.lng')}><InputNumber min={-180} max={180} step={0.000001} style={{ width: 180 }} data-testid={`${prefix}-lng`} /></Form.Item>
        <Form.Item
          name="lat"
          label={t('f.lat')}
          dependencies={['lng']}
          // One coordinate alone places nothing; the server refuses it too.
          rules={[({ getFieldValue }) => ({
            validator: (_, lat: number | null | undefined) => ((lat ?? null) === null) === ((getFieldValue('lng') ?? null) === null) ? Promise.resolve() : Promise.reject(new Error(t('f.positionPair'))),
          })]}
        >
          <InputNumber min={-90} max={90} step={0.000001} style={{ width: 180 }} data-testid={`${prefix}-lat`} />
        </Form.Item>
      </Space>
    </>
  );
}

function PlaceForm({ open, onClose, onSaved }: { open: boolean; onClose(): void; onSaved(id: number): void }) {
  const t = useBasedataText();
  const { message } = App.useApp();
  const [form] = Form.useForm<PlaceInput>();
  const { busy, error, submit } = useSubmit<PlaceInput>(form, PLACE_FIELDS, GRID_ERRORS, async (v) => {
    const { id } = await basedataApi.createPlace(placeValues(v));
    message.success(t('place.registered'));
    form.resetFields();
    onSaved(id);
  });
  return (
    <Modal title={t('place.register')} open={open} onCancel={onClose} footer={null} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={submit} data-testid="place-form">
        <PlaceFields prefix="place" t={t} />
        <FormActions error={error} busy={busy} submitLabel={t('place.register')} onCancel={onClose} testId="place" />
      </Form>
    </Modal>
  );
}

/** Edits one place; mounted per edit, so the form starts from the row's values. */
function PlaceEdit({ place, onClose, onSaved }: { place: Place; onClose(): void; onSaved(): void }) {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<PlaceInput>();
  const { busy, error, submit } = useSubmit<PlaceInput>(form, PLACE_FIELDS, GRID_ERRORS, async (v) => {
    const patch = changedFields(placeValues(v), place);
    if (Object.keys(patch).length > 0) await basedataApi.updatePlace(place.id, patch);
    message.success(tt('common.saved'));
    onSaved();
  });
  return (
    <Modal title={t('place.edit')} open onCancel={onClose} footer={null}>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={place} data-testid="place-edit-form">
        <PlaceFields prefix="place-edit" t={t} />
        <FormActions error={error} busy={busy} submitLabel={tt('common.save')} onCancel={onClose} testId="place-edit" />
      </Form>
    </Modal>
  );
}
