import sharp from 'sharp';

export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';

/** Largest image (in pixels) we decode: 100 MP, far above any phone camera; stops decompression bombs. */
export const MAX_INPUT_PIXELS = 100_000_000;
/** Longest side of a thumbnail. */
export const THUMBNAIL_SIZE = 320;

/**
 * The image type by the file's first bytes (magic numbers), whatever its name
 * or declared content type says; null for anything else.
 */
export function sniffImage(data: Buffer): ImageMime | null {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

const SHARP_FORMAT: Record<ImageMime, string> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' };

export interface InspectedImage {
  mime: ImageMime;
  width: number;
  height: number;
  /** A WebP preview at most THUMBNAIL_SIZE on its longest side, upright, without metadata. */
  thumbnail: Buffer;
}

export type InspectFailure = 'type' | 'corrupt';

/**
 * Accepts JPEG, PNG and WebP recognised by content: the magic bytes must
 * match, the decoder must agree on the format, and the image must decode
 * (making the thumbnail decodes it whole). Everything else is refused.
 */
export async function inspectImage(data: Buffer): Promise<InspectedImage | InspectFailure> {
  const mime = sniffImage(data);
  if (!mime) return 'type';
  try {
    const meta = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
    if (meta.format !== SHARP_FORMAT[mime] || !meta.width || !meta.height) return 'type';
    const thumbnail = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 72 })
      .toBuffer();
    // EXIF orientation 5–8 means the picture is shown turned a quarter.
    const turned = (meta.orientation ?? 1) >= 5;
    return { mime, width: turned ? meta.height : meta.width, height: turned ? meta.width : meta.height, thumbnail };
  } catch {
    return 'corrupt';
  }
}
