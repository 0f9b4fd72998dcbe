import { App, Form, Input, InputNumber, Modal, Select, Space } from 'antd';
import { useI18n } from '../../shell/i18n.js';
import {
  basedataApi, type BuildingInput, type BuildingView, type DwellingInput, type DwellingOwnership, type DwellingUse, type DwellingView,
  type HouseholdView, type Resident, type ResidentInput,
} from './api.js';
import { FormActions, GridCodeInput } from './common.js';
import { changedFields, useSubmit, useTagNames } from './hooks.js';
import { useBasedataText, type BasedataText } from './messages.js';

/*
 * Creating and correcting the places of living and the people in them:
 * building → dwelling → household → resident. Each form is a modal on the
 * page of the object it belongs to; after saving, the user lands on the
 * created object, or stays on the edited one with its page reloaded.
 * A refusal lands under its field and the modal keeps everything typed.
 */

const USES: DwellingUse[] = ['residential', 'commercial', 'mixed', 'other'];
const OWNERSHIPS: DwellingOwnership[] = ['private', 'public', 'rental', 'collective', 'other'];
const GRID_ERRORS = { BASEDATA_UNKNOWN_GRID: 'gridCode', BASEDATA_OUT_OF_SCOPE: 'gridCode' };
/** Shape only; the region, birth date and check character are the server's (rules/id-number.ts), shown under the field. */
const ID_SHAPE = /^\d{17}[\dXx]$/;

const trimmed = (v: string | null | undefined): string | null => (v?.trim() ? v.trim() : null);

interface ModalProps {
  open: boolean;
  onClose(): void;
}

// ---- buildings ----

const BUILDING_FIELDS = ['gridCode', 'name', 'address', 'floors', 'lng', 'lat'] as const;

function BuildingFields({ prefix, t, withGrid }: { prefix: string; t: BasedataText; withGrid: boolean }) {
  return (
    <>
      {withGrid && (
        <Form.Item name="gridCode" label={t('f.unitGrid')} rules={[{ required: true }, { pattern: /^\d{15}$/, message: t('f.unitGridPattern') }]}>
          <GridCodeInput unit testId={`${prefix}-grid`} />
        </Form.Item>
      )}
      <Form.Item name="name" label={t('building.name')} rules={[{ required: true, whitespace: true }, { max: 100 }]}><Input data-testid={`${prefix}-name`} /></Form.Item>
      <Form.Item name="address" label={t('col.address')} rules={[{ required: true, whitespace: true }, { max: 255 }]}><Input data-testid={`${prefix}-address`} /></Form.Item>
      <Form.Item name="floors" label={t('building.floors')}><InputNumber min={1} max={200} precision={0} data-testid={`${prefix}-floors`} /></Form.Item>
      <Space>
        <Form.Item name="lng" label={t('f.lng')}><InputNumber min={-180} max={180} step={0.000001} style={{ width: 180 }} /></Form.Item>
        <Form.Item
          name="lat"
          label={t('f.lat')}
          dependencies={['lng']}
          rules={[({ getFieldValue }) => ({
            validator: (_, lat: number | null | undefined) => ((lat ?? null) === null) === ((getFieldValue('lng') ?? null) === null) ? Promise.resolve() : Promise.reject(new Error(t('f.positionPair'))),
          })]}
        >
          <InputNumber min={-90} max={90} step={0.000001} style={{ width: 180 }} />
        </Form.Item>
      </Space>
    </>
  );
}

const buildingValues = (v: BuildingInput): BuildingInput => ({
  ...v, name: v.name.trim(), address: v.address.trim(), floors: v.floors ?? null, lng: v.lng ?? null, lat: v.lat ?? null,
});

export function BuildingCreate({ open, onClose, onSaved, gridCode }: ModalProps & { onSaved(id: number): void; gridCode?: string }) {
  const t = useBasedataText();
  const { message } = App.useApp();
  const [form] = Form.useForm<BuildingInput>();
  const { busy, error, submit } = useSubmit<BuildingInput>(form, BUILDING_FIELDS, { ...GRID_ERRORS, BUILDING_EXISTS: 'name' }, async (v) => {
    const { id } = await basedataApi.createBuilding(buildingValues(v));
    message.success(t('building.created'));
    onSaved(id);
  });
  return (
    <Modal title={t('building.create')} open={open} onCancel={onClose} footer={null} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ gridCode }} data-testid="building-form">
        <BuildingFields prefix="building" t={t} withGrid />
        <FormActions error={error} busy={busy} submitLabel={t('building.create')} onCancel={onClose} testId="building" />
      </Form>
    </Modal>
  );
}

export function BuildingEdit({ building, onClose, onSaved }: { building: BuildingView['building']; onClose(): void; onSaved(): void }) {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<BuildingInput>();
  const { busy, error, submit } = useSubmit<BuildingInput>(form, BUILDING_FIELDS, { BUILDING_EXISTS: 'name' }, async (v) => {
    const { gridCode: _grid, ...patch } = changedFields(buildingValues({ ...v, gridCode: building.gridCode }), building);
    if (Object.keys(patch).length > 0) await basedataApi.updateBuilding(building.id, patch);
    message.success(tt('common.saved'));
    onSaved();
  });
  return (
    <Modal title={t('building.edit')} open onCancel={onClose} footer={null}>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={building} data-testid="building-edit-form">
        <BuildingFields prefix="building-edit" t={t} withGrid={false} />
        <FormActions error={error} busy={busy} submitLabel={tt('common.save')} onCancel={onClose} testId="building-edit" />
      </Form>
    </Modal>
  );
}

// ---- dwellings ----

type DwellingForm = DwellingInput & { entrance?: string | null };
const DWELLING_FIELDS = ['entrance', 'roomNo', 'area', 'use', 'ownership'] as const;

function DwellingFields({ prefix, t, withEntrance }: { prefix: string; t: BasedataText; withEntrance: boolean }) {
  return (
    <>
      {withEntrance && <Form.Item name="entrance" label={t('dwelling.entrance')} rules={[{ max: 50 }]}><Input placeholder="1单元" data-testid={`${prefix}-entrance`} /></Form.Item>}
      <Form.Item name="roomNo" label={t('col.room')} rules={[{ required: true, whitespace: true }, { max: 50 }]}><Input data-testid={`${prefix}-room`} /></Form.Item>
      <Form.Item name="area" label={t('dwelling.area')}><InputNumber min={0.01} max={100000} data-testid={`${prefix}-area`} /></Form.Item>
      <Space>
        <Form.Item name="use" label={t('dwelling.use')} rules={[{ required: true }]}>
          <Select style={{ width: 160 }} options={USES.map((value) => ({ value, label: t(`use.${value}`) }))} />
        </Form.Item>
        <Form.Item name="ownership" label={t('dwelling.ownership')} rules={[{ required: true }]}>
          <Select style={{ width: 160 }} options={OWNERSHIPS.map((value) => ({ value, label: t(`ownership.${value}`) }))} />
        </Form.Item>
      </Space>
    </>
  );
}

export function DwellingCreate({ open, onClose, onSaved, buildingId }: ModalProps & { onSaved(id: number): void; buildingId: number }) {
  const t = useBasedataText();
  const { message } = App.useApp();
  const [form] = Form.useForm<DwellingForm>();
  const { busy, error, submit } = useSubmit<DwellingForm>(form, DWELLING_FIELDS, { DWELLING_EXISTS: 'roomNo' }, async (v) => {
    const { id } = await basedataApi.createDwelling({ ...v, buildingId, entrance: trimmed(v.entrance), roomNo: v.roomNo.trim(), area: v.area ?? null });
    message.success(t('dwelling.created'));
    onSaved(id);
  });
  return (
    <Modal title={t('dwelling.create')} open={open} onCancel={onClose} footer={null} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ use: 'residential', ownership: 'private' }} data-testid="dwelling-form">
        <DwellingFields prefix="dwelling" t={t} withEntrance />
        <FormActions error={error} busy={busy} submitLabel={t('dwelling.create')} onCancel={onClose} testId="dwelling" />
      </Form>
    </Modal>
  );
}

export function DwellingEdit({ dwelling, onClose, onSaved }: { dwelling: DwellingView['dwelling']; onClose(): void; onSaved(): void }) {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<DwellingInput>();
  const { busy, error, submit } = useSubmit<DwellingInput>(form, DWELLING_FIELDS, { DWELLING_EXISTS: 'roomNo' }, async (v) => {
    const patch = changedFields({ ...v, roomNo: v.roomNo.trim(), area: v.area ?? null }, dwelling);
    if (Object.keys(patch).length > 0) await basedataApi.updateDwelling(dwelling.id, patch);
    message.success(tt('common.saved'));
    onSaved();
  });
  return (
    <Modal title={t('dwelling.edit')} open onCancel={onClose} footer={null}>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={dwelling} data-testid="dwelling-edit-form">
        <DwellingFields prefix="dwelling-edit" t={t} withEntrance={false} />
        <FormActions error={error} busy={busy} submitLabel={tt('common.save')} onCancel={onClose} testId="dwelling-edit" />
      </Form>
    </Modal>
  );
}

// ---- households ----

interface HouseholdForm { householdNo: string; headResidentId?: number | null }
const HOUSEHOLD_FIELDS = ['householdNo', 'headResidentId'] as const;
const HOUSEHOLD_ERRORS = { HOUSEHOLD_EXISTS: 'householdNo', HOUSEHOLD_HEAD_NOT_MEMBER: 'headResidentId' };

/** A household in a dwelling: it sits in the dwelling's grid. */
export function HouseholdCreate({ open, onClose, onSaved, dwelling }: ModalProps & { onSaved(id: number): void; dwelling: DwellingView['dwelling'] }) {
  const t = useBasedataText();
  const { message } = App.useApp();
  const [form] = Form.useForm<HouseholdForm>();
  const { busy, error, submit } = useSubmit<HouseholdForm>(form, HOUSEHOLD_FIELDS, HOUSEHOLD_ERRORS, async (v) => {
    const { id } = await basedataApi.createHousehold({ householdNo: v.householdNo.trim(), gridCode: dwelling.gridCode, dwellingId: dwelling.id });
    message.success(t('household.created'));
    onSaved(id);
  });
  return (
    <Modal title={t('household.create')} open={open} onCancel={onClose} footer={null} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={submit} data-testid="household-form">
        <Form.Item name="householdNo" label={t('household.no')} rules={[{ required: true, whitespace: true }, { max: 40 }]}><Input data-testid="household-no" /></Form.Item>
        <FormActions error={error} busy={busy} submitLabel={t('household.create')} onCancel={onClose} testId="household" />
      </Form>
    </Modal>
  );
}

export function HouseholdEdit({ view, onClose, onSaved }: { view: HouseholdView; onClose(): void; onSaved(): void }) {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<HouseholdForm>();
  const before = { householdNo: view.household.householdNo, headResidentId: view.household.headResidentId };
  const { busy, error, submit } = useSubmit<HouseholdForm>(form, HOUSEHOLD_FIELDS, HOUSEHOLD_ERRORS, async (v) => {
    const patch = changedFields({ householdNo: v.householdNo.trim(), headResidentId: v.headResidentId ?? null }, before);
    if (Object.keys(patch).length > 0) await basedataApi.updateHousehold(view.household.id, patch);
    message.success(tt('common.saved'));
    onSaved();
  });
  return (
    <Modal title={t('household.edit')} open onCancel={onClose} footer={null}>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={before} data-testid="household-edit-form">
        <Form.Item name="householdNo" label={t('household.no')} rules={[{ required: true, whitespace: true }, { max: 40 }]}><Input data-testid="household-edit-no" /></Form.Item>
        <Form.Item name="headResidentId" label={t('household.head')}>
          <Select allowClear options={view.members.map((m) => ({ value: m.id, label: m.name }))} data-testid="household-edit-head" />
        </Form.Item>
        <FormActions error={error} busy={busy} submitLabel={tt('common.save')} onCancel={onClose} testId="household-edit" />
      </Form>
    </Modal>
  );
}

// ---- residents ----

type ResidentForm = Omit<ResidentInput, 'gridCode' | 'householdId'> & { gridCode?: string };
const RESIDENT_FIELDS = ['gridCode', 'name', 'idNumber', 'phone', 'population', 'ethnicity', 'education', 'workplace', 'relation', 'tags'] as const;
const RESIDENT_ERRORS = { ...GRID_ERRORS, RESIDENT_EXISTS: 'idNumber', NAME_REQUIRED: 'name' };

function ResidentFields({ prefix, t, phoneHint, idNumber }: { prefix: string; t: BasedataText; phoneHint?: string; idNumber: 'input' | string }) {
  const tags = useTagNames();
  return (
    <>
      <Space style={{ display: 'flex' }} align="start">
        <Form.Item name="name" label={t('col.name')} rules={[{ required: true, whitespace: true, message: t('col.name') }, { max: 64 }]}><Input data-testid={`${prefix}-name`} /></Form.Item>
        {idNumber === 'input' ? (
          <Form.Item
            name="idNumber"
            label={t('col.idNumber')}
            extra={t('resident.idNumberHint')}
            rules={[{ required: true, message: t('resident.idNumberShape') }, { pattern: ID_SHAPE, message: t('resident.idNumberShape') }]}
          >
            <Input maxLength={18} style={{ width: 220 }} data-testid={`${prefix}-id-number`} />
          </Form.Item>
        ) : (
          <Form.Item label={t('col.idNumber')} extra={t('resident.idNumberFixed')}><Input value={idNumber} disabled style={{ width: 220 }} /></Form.Item>
        )}
      </Space>
      <Space style={{ display: 'flex' }} align="start">
        <Form.Item name="phone" label={t('col.phone')} extra={phoneHint} rules={[{ max: 40 }]}><Input style={{ width: 200 }} data-testid={`${prefix}-phone`} /></Form.Item>
        <Form.Item name="population" label={t('col.population')} rules={[{ required: true }]}>
          <Select style={{ width: 120 }} options={(['registered', 'floating'] as const).map((value) => ({ value, label: t(`population.${value}`) }))} data-testid={`${prefix}-population`} />
        </Form.Item>
        <Form.Item name="relation" label={t('resident.relationToHead')} rules={[{ max: 16 }]}>
          <Select
            style={{ width: 140 }}
            allowClear
            options={['户主', '配偶', '子女', '父母', '孙子女', '兄弟姐妹', '其他'].map((value) => ({ value, label: value }))}
            data-testid={`${prefix}-relation`}
          />
        </Form.Item>
      </Space>
      <Space style={{ display: 'flex' }} align="start">
        <Form.Item name="ethnicity" label={t('resident.ethnicity')} rules={[{ max: 32 }]}><Input style={{ width: 120 }} /></Form.Item>
        <Form.Item name="education" label={t('resident.education')} rules={[{ max: 32 }]}><Input style={{ width: 120 }} /></Form.Item>
        <Form.Item name="workplace" label={t('resident.workplace')} rules={[{ max: 200 }]}><Input style={{ width: 260 }} /></Form.Item>
      </Space>
      <Form.Item name="tags" label={t('col.tags')}>
        <Select mode="multiple" allowClear options={Object.entries(tags).map(([value, label]) => ({ value, label }))} />
      </Form.Item>
    </>
  );
}

const residentValues = (v: ResidentForm) => ({
  name: v.name.trim(), phone: trimmed(v.phone), population: v.population, ethnicity: trimmed(v.ethnicity), education: trimmed(v.education),
  workplace: trimmed(v.workplace), relation: v.relation ?? null, tags: v.tags ?? [],
});

/**
 * Registers a resident: as a member of a household when one is given (then in
 * the household's grid), otherwise in the unit grid the user picks.
 */
export function ResidentCreate({ open, onClose, onSaved, gridCode, householdId }: ModalProps & { onSaved(id: number): void; gridCode?: string; householdId: number | null }) {
  const t = useBasedataText();
  const { message } = App.useApp();
  const [form] = Form.useForm<ResidentForm>();
  const { busy, error, submit } = useSubmit<ResidentForm>(form, RESIDENT_FIELDS, RESIDENT_ERRORS, async (v) => {
    const { id } = await basedataApi.createResident({ ...residentValues(v), idNumber: v.idNumber.trim().toUpperCase(), gridCode: gridCode ?? v.gridCode?.trim() ?? '', householdId });
    message.success(t('resident.created'));
    onSaved(id);
  });
  return (
    <Modal title={householdId ? t('resident.addMember') : t('resident.create')} open={open} onCancel={onClose} footer={null} width={720} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ population: 'registered', tags: [] }} data-testid="resident-form">
        {gridCode === undefined && (
          <Form.Item name="gridCode" label={t('f.unitGrid')} rules={[{ required: true }, { pattern: /^\d{15}$/, message: t('f.unitGridPattern') }]}>
            <GridCodeInput unit testId="resident-grid" />
          </Form.Item>
        )}
        <ResidentFields prefix="resident" t={t} idNumber="input" />
        <FormActions error={error} busy={busy} submitLabel={t('resident.create')} onCancel={onClose} testId="resident" />
      </Form>
    </Modal>
  );
}

/**
 * Corrects a resident. The ID number is fixed (it is the record's identity and
 * the import's key); the phone is shown masked, so an empty field keeps it.
 */
export function ResidentEdit({ resident, onClose, onSaved }: { resident: Resident; onClose(): void; onSaved(): void }) {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<ResidentForm>();
  const before = { ...resident, phone: null };
  const { busy, error, submit } = useSubmit<ResidentForm>(form, RESIDENT_FIELDS, RESIDENT_ERRORS, async (v) => {
    const { tags, ...rest } = residentValues(v);
    const patch: Partial<ReturnType<typeof residentValues>> = changedFields(rest, before);
    if (tags.join(',') !== resident.tags.join(',')) patch.tags = tags;
    if (Object.keys(patch).length > 0) await basedataApi.updateResident(resident.id, { ...patch, version: resident.version });
    message.success(tt('common.saved'));
    onSaved();
  });
  return (
    <Modal title={t('resident.edit')} open onCancel={onClose} footer={null} width={720}>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={before} data-testid="resident-edit-form">
        <ResidentFields
          prefix="resident-edit"
          t={t}
          idNumber={resident.idNumber}
          {...(resident.phone ? { phoneHint: t('resident.phoneKeep', { phone: resident.phone }) } : {})}
        />
        <FormActions error={error} busy={busy} submitLabel={tt('common.save')} onCancel={onClose} testId="resident-edit" />
      </Form>
    </Modal>
  );
}
