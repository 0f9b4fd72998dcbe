import { CameraOutlined, CloseOutlined } from '@ant-design/icons';
import { Button, Spin } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useT } from '../i18n.js';
import { uuidv4 } from '../uuid.js';
import { compressPhoto } from './compress.js';

export interface CapturedPhoto {
  id: string;
  blob: Blob;
}

/**
 * The camera button: opens the rear camera (capture="environment"; a desktop browser offers a file
 * picker), compresses every photo in the phone and shows thumbnails that can be removed.
 */
export function PhotoCapture({ photos, onChange, label, testId, big = false }: {
  photos: CapturedPhoto[];
  onChange: (photos: CapturedPhoto[]) => void;
  label: string;
  testId: string;
  big?: boolean;
}) {
  const { t } = useT();
  const input = useRef<HTMLInputElement | null>(null);
  const [busy, setBusy] = useState(false);
  const photosRef = useRef(photos);
  photosRef.current = photos;
  const urls = useMemo(() => photos.map((p) => ({ id: p.id, url: URL.createObjectURL(p.blob) })), [photos]);
  useEffect(() => () => urls.forEach((u) => URL.revokeObjectURL(u.url)), [urls]);

  const picked = async (files: FileList | null) => {
    if (!files || files.length === 0) return;
    setBusy(true);
    try {
      const added: CapturedPhoto[] = [];
      for (const file of Array.from(files)) added.push({ id: uuidv4(), blob: await compressPhoto(file) });
      onChange([...photosRef.current, ...added]);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };

  return (
    <div data-testid={testId}>
      <input
        ref={input}
        type="file"
        accept="image/*"
        capture="environment"
        multiple
        hidden
        data-testid={`${testId}-input`}
        onChange={(e) => void picked(e.target.files)}
      />
      {photos.length > 0 && (
        <div style={{ display: 'grid', gridTemplateColumns: 'repeat(4, 1fr)', gap: 6, marginBottom: 8 }}>
          {urls.map((u) => (
            <div key={u.id} style={{ position: 'relative', aspectRatio: '1', borderRadius: 6, overflow: 'hidden', background: '#ddd' }}>
              <img src={u.url} alt="" data-testid={`${testId}-thumb`} style={{ width: '100%', height: '100%', objectFit: 'cover' }} />
              <button
                type="button"
                aria-label="remove"
                onClick={() => onChange(photosRef.current.filter((p) => p.id !== u.id))}
                style={{ position: 'absolute', top: 2, right: 2, width: 28, height: 28, border: 0, borderRadius: 14, background: 'rgba(0,0,0,.55)', color: '#fff' }}
              >
                <CloseOutlined />
              </button>
            </div>
          ))}
        </div>
      )}
      {busy ? (
        <Spin tip={t('report.compressing')}>
          <div style={{ height: 48 }} />
        </Spin>
      ) : (
        <Button
          block
          size="large"
          type={big && photos.length === 0 ? 'primary' : 'default'}
          icon={<CameraOutlined />}
          onClick={() => input.current?.click()}
          data-testid={`${testId}-button`}
          style={big && photos.length === 0 ? { height: 88, fontSize: 20 } : undefined}
        >
          {label}
        </Button>
      )}
    </div>
  );
}
