/**
 * Photos are made smaller in the phone before they are queued: the longest side at most 1600 px, JPEG
 * at quality 0.8 (a 12-megapixel camera photo of 3–5 MB becomes about 200–400 kB, well under the
 * server's upload limit and cheap on a weak network). Drawing through a canvas also drops the EXIF
 * block (the camera's own GPS and device data); the report carries the position itself.
 */
export const MAX_SIDE_PX = 1600;
export const JPEG_QUALITY = 0.8;

/** The size that fits within maxSide on the longest side, never enlarged. */
export function fitWithin(width: number, height: number, maxSide = MAX_SIDE_PX): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export async function compressPhoto(file: Blob, maxSide = MAX_SIDE_PX, quality = JPEG_QUALITY): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const { width, height } = fitWithin(bitmap.width, bitmap.height, maxSide);
    if (typeof OffscreenCanvas === 'function') {
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('no 2d canvas');
      ctx.drawImage(bitmap, 0, 0, width, height);
      return await canvas.convertToBlob({ type: 'image/jpeg', quality });
    }
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d canvas');
    ctx.drawImage(bitmap, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('canvas.toBlob failed'))), 'image/jpeg', quality),
    );
  } finally {
    bitmap.close();
  }
}
