import { Alert, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { gridApi, type GridCard } from './api.js';
import { useGridText } from './messages.js';

interface EditForm {
  name: string;
  responsible: string;
  note: string;
}

/** Name, responsible people and a note of a grid; a stale version answers 409 and the message says to reload. */
export function GridEditModal({ card, onClose, onSaved }: { card: GridCard; onClose(): void; onSaved(card: GridCard): void }) {
  const gt = useGridText();
  const [form] = Form.useForm<EditForm>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const responsible = Array.isArray(card.attributes.responsible) ? (card.attributes.responsible as Array<{ name?: string; title?: string }>) : [];

  async function save() {
    const v = await form.validateFields();
    const people = v.responsible
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const [name, ...title] = line.split(/\s+/);
        return title.length ? { name: name!, title: title.join(' ') } : { name: name! };
      });
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

  return (
    <Modal open title={`${gt('edit.title')} ${card.code}`} onCancel={onClose} onOk={() => void save()} confirmLoading={saving} destroyOnHidden>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />}
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          name: card.name,
          responsible: responsible.map((r) => [r.name, r.title].filter(Boolean).join(' ')).join('\n'),
          note: typeof card.attributes.note === 'string' ? card.attributes.note : '',
        }}
      >
        <Form.Item name="name" label={gt('card.name')} rules={[{ required: true, max: 100 }]}>
          <Input data-testid="grid-edit-name" />
        </Form.Item>
        <Form.Item name="responsible" label={gt('edit.responsible')}>
          <Input.TextArea rows={3} />
        </Form.Item>
        <Form.Item name="note" label={gt('edit.note')}>
          <Input.TextArea rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
