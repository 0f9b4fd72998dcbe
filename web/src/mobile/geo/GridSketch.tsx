import { bboxOf, sketchProjection, type GridFeature } from './geometry.js';
import type { Fix } from './position.js';

const M_PER_DEG_LAT = 111_320;

/**
 * The offline map: the worker's grid outlines drawn as SVG on a plain background, the fix as a dot
 * with its accuracy circle. Needs nothing but the outlines kept on the phone (no tiles, no MapLibre).
 */
export function GridSketch({ features, highlight, fix, height = 180 }: { features: readonly GridFeature[]; highlight?: string | null; fix: Fix | null; height?: number }) {
  const focus = highlight ? features.filter((f) => f.properties.code === highlight) : [];
  const box = bboxOf(focus.length ? focus : features);
  if (!box) return null;
  let [minX, minY, maxX, maxY] = box;
  if (fix) {
    minX = Math.min(minX, fix.lng);
    maxX = Math.max(maxX, fix.lng);
    minY = Math.min(minY, fix.lat);
    maxY = Math.max(maxY, fix.lat);
  }
  const width = 360;
  const { px, py, path, scale } = sketchProjection([minX, minY, maxX, maxY], width, height, 16);
  const accuracyPx = fix ? (fix.accuracyM / M_PER_DEG_LAT) * scale : 0;
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width="100%" height={height} role="img" data-testid="grid-sketch" style={{ background: '#eef1f5', borderRadius: 8, display: 'block' }}>
      {features.map((f) => {
        const own = f.properties.code === highlight;
        return (
          <path
            key={String(f.properties.code)}
            d={path(f)}
            fillRule="evenodd"
            fill={own ? '#bae0ff' : '#ffffff'}
            fillOpacity={0.8}
            stroke={own ? '#1668dc' : '#7a9cc6'}
            strokeWidth={own ? 2 : 1}
          />
        );
      })}
      {fix && (
        <>
          <circle cx={px(fix.lng)} cy={py(fix.lat)} r={Math.max(accuracyPx, 6)} fill="#1668dc" fillOpacity={0.15} stroke="#1668dc" strokeOpacity={0.4} />
          <circle cx={px(fix.lng)} cy={py(fix.lat)} r={6} fill="#f5222d" stroke="#fff" strokeWidth={2} data-testid="grid-sketch-fix" />
        </>
      )}
    </svg>
  );
}
