import type { MouseEvent } from 'react';
import { bboxOf, sketchProjection, type GridFeature } from '../mobile/geo/geometry.js';

/**
 * The district's streets drawn as SVG on a plain background (no tiles, no
 * network beyond the outlines): a tap places the report there, the chosen
 * point shows as a red dot. The projection is the worker app's sketch's
 * (equirectangular around the middle latitude), inverted for the tap.
 */
export function TapMap({ features, point, onPick, dots = [], height = 260 }: {
  features: readonly GridFeature[];
  point: { lng: number; lat: number } | null;
  onPick?(p: { lng: number; lat: number }): void;
  /** Other points to show (the public map's cases). */
  dots?: readonly { key: string; lng: number; lat: number; colour: string }[];
  height?: number;
}) {
  const box = bboxOf(features);
  if (!box) return null;
  const width = 360;
  const { px, py, path, invert } = sketchProjection(box, width, height, 12);
  const pick = (e: MouseEvent<SVGSVGElement>) => {
    if (!onPick) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const x = ((e.clientX - rect.left) / rect.width) * width;
    const y = ((e.clientY - rect.top) / rect.height) * height;
    onPick(invert(x, y));
  };
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" data-testid="tap-map" onClick={pick} style={{ background: '#eef1f5', borderRadius: 8, display: 'block', touchAction: 'manipulation' }}>
      {features.map((f) => (
        <path key={String(f.properties.code)} d={path(f)} fillRule="evenodd" fill="#fff" fillOpacity={0.85} stroke="#7a9cc6" strokeWidth={1} />
      ))}
      {features.map((f) => {
        const b = bboxOf([f]);
        if (!b) return null;
        return (
          <text key={`${String(f.properties.code)}-label`} x={px((b[0] + b[2]) / 2)} y={py((b[1] + b[3]) / 2)} fontSize={11} fill="#5b6b80" textAnchor="middle" pointerEvents="none">
            {String(f.properties.name ?? '')}
          </text>
        );
      })}
      {dots.map((d) => <circle key={d.key} cx={px(d.lng)} cy={py(d.lat)} r={5} fill={d.colour} stroke="#fff" strokeWidth={1.5} data-testid="public-map-dot" />)}
      {point && <circle cx={px(point.lng)} cy={py(point.lat)} r={7} fill="#f5222d" stroke="#fff" strokeWidth={2} data-testid="tap-map-point" />}
    </svg>
  );
}
