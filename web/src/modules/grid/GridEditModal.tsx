import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Modal, Space } from 'antd';
import { useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { gridApi, type GridCard } from './api.js';
import { useGridText } from './messages.js';

interface Person {
  name?: string;
  title?: string;
  phone?: string;
  /** Index in the stored list (absent for people added here). */
  orig?: number;
}

interface EditForm {
  name: string;
  responsible: Person[];
  note: string;
}

/**
 * Name, responsible people (name, title, phone; other fields of a person are
 * kept) and a note of a grid; a stale version answers 409 and the message
 * says to reload.
 */
export function GridEditModal({ card, onClose, onSaved }: { card: GridCard; onClose(): void; onSaved(card: GridCard): void }) {
  const gt = useGridText();
  const [form] = Form.useForm<EditForm>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const existing = Array.isArray(card.attributes.responsible) ? (card.attributes.responsible as Array<Record<string, unknown>>) : [];

  async function save() {
    await form.validateFields();
    // All values, including each person's unregistered `orig` index.
    const v = form.getFieldsValue(true) as EditForm;
    const people = (v.responsible ?? [])
      .map((p) => {
        // Keep fields this form does not show (imported attributes), replace the ones it does.
        const base: Record<string, unknown> = { ...(p.orig !== undefined ? existing[p.orig] : {}) };
        for (const key of ['name', 'title', 'phone'] as const) {
          const value = p[key]?.trim();
          if (value) base[key] = value;
          else delete base[key];
        }
        return base;
      })
      .filter((p) => typeof p.name === 'string' && p.name);
    const attributes: Record<string, unknown> = { ...card.attributes, responsible: people };
    if (v.note.trim()) attributes.note = v.note.trim();
    else delete attributes.note;
    if (people.length === 0) delete attributes.responsible;
    setSaving(true);
    try {
      onSaved(await gridApi.update(card.code, { version: card.version, name: v.name.trim(), attributes }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  }

  const text = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));
  return (
    <Modal open width={640} title={`${gt('edit.title')} ${card.code}`} onCancel={onClose} onOk={() => void save()} confirmLoading={saving} destroyOnHidden okButtonProps={{ 'data-testid': 'grid-edit-save' } as never}>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          name: card.name,
          responsible: existing.map((r, i) => ({ name: text(r.name), title: text(r.title), phone: text(r.phone), orig: i })),
          note: typeof card.attributes.note === 'string' ? card.attributes.note : '',
        }}
      >
        <Form.Item name="name" label={gt('card.name')} rules={[{ required: true, max: 100 }]}>
          <Input data-testid="grid-edit-name" />
        </Form.Item>
        <Form.Item label={gt('edit.responsible')}>
          <Form.List name="responsible">
            {(fields, { add, remove }) => (
              <>
                {fields.map((field, i) => (
                  <Space key={field.key} align="baseline" style={{ display: 'flex' }}>
                    <Form.Item name={[field.name, 'name']} rules={[{ required: true, max: 50 }]} style={{ marginBottom: 8 }}>
                      <Input placeholder={gt('edit.person.name')} data-testid={`grid-edit-person-name-${i}`} />
                    </Form.Item>
                    <Form.Item name={[field.name, 'title']} rules={[{ max: 50 }]} style={{ marginBottom: 8 }}>
                      <Input placeholder={gt('edit.person.title')} data-testid={`grid-edit-person-title-${i}`} />
                    </Form.Item>
                    <Form.Item name={[field.name, 'phone']} rules={[{ max: 30, pattern: /^[0-9+\- ]*$/ }]} style={{ marginBottom: 8 }}>
                      <Input placeholder={gt('edit.person.phone')} data-testid={`grid-edit-person-phone-${i}`} />
                    </Form.Item>
                    <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(field.name)} aria-label="remove" />
                  </Space>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ name: '', title: '', phone: '' })} data-testid="grid-edit-person-add">
                  {gt('edit.person.add')}
                </Button>
              </>
            )}
          </Form.List>
        </Form.Item>
        <Form.Item name="note" label={gt('edit.note')}>
          <Input.TextArea rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
