import sharp from 'sharp';
import type { FileService } from '../../infra/files/files.js';

/**
 * Pictures for the demo's incident photos: drawn here (a street scene in
 * flat shapes, different for each number), stored through the file service
 * like any upload, so the console shows them and the access rules apply.
 * The same number always gives the same bytes, so the same hash: loading
 * again or resuming stores nothing new.
 */
export async function ensureDemoPhotos(files: FileService, uploaderId: number, count: number): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) {
    const jpeg = await sharp(Buffer.from(sceneSvg(i))).jpeg({ quality: 70 }).toBuffer();
    hashes.push((await files.upload(jpeg, uploaderId)).hash);
  }
  return hashes;
}

/** How many pictures a demo of this scale draws from: enough that an incident's photos vary, few enough to make fast. */
export function demoPhotoCount(scale: number): number {
  return Math.max(16, Math.min(256, Math.round(256 * scale)));
}

/** An SVG street scene for picture `n`: sky, buildings, a road, something on it. */
export function sceneSvg(n: number): string {
  let x = (n + 1) * 0x9e3779b1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const hue = Math.round((n * 137.508) % 360);
  const buildings: string[] = [];
  for (let left = -20; left < 640; ) {
    const width = 60 + Math.round(next() * 90);
    const height = 120 + Math.round(next() * 180);
    const shade = 35 + Math.round(next() * 30);
    buildings.push(`<rect x="${left}" y="${330 - height}" width="${width}" height="${height}" fill="hsl(${(hue + 200) % 360},15%,${shade}%)"/>`);
    for (let wy = 330 - height + 15; wy < 310; wy += 28) {
      for (let wx = left + 10; wx < left + width - 15; wx += 22) {
        if (next() < 0.6) buildings.push(`<rect x="${wx}" y="${wy}" width="10" height="14" fill="hsl(50,60%,${70 + Math.round(next() * 20)}%)"/>`);
      }
    }
    left += width + Math.round(next() * 12);
  }
  const thingX = 120 + Math.round(next() * 400);
  const thing = next() < 0.5
    ? `<ellipse cx="${thingX}" cy="410" rx="${40 + Math.round(next() * 50)}" ry="14" fill="hsl(${hue},70%,35%)"/>`
    : `<rect x="${thingX}" y="360" width="${50 + Math.round(next() * 60)}" height="${40 + Math.round(next() * 30)}" fill="hsl(${hue},65%,45%)" rx="6"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480" viewBox="0 0 640 480">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${(hue + 180) % 360},45%,78%)"/><stop offset="1" stop-color="hsl(${(hue + 180) % 360},35%,92%)"/></linearGradient></defs>
<rect width="640" height="480" fill="url(#sky)"/>
${buildings.join('\n')}
<rect y="330" width="640" height="150" fill="hsl(0,0%,42%)"/>
<line x1="0" y1="398" x2="640" y2="398" stroke="hsl(0,0%,85%)" stroke-width="6" stroke-dasharray="30 20"/>
${thing}
</svg>`;
}
