import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A fixture FeatureCollection from test/fixtures/grid/NAME.geojson. */
export function fixture(name: string): { type: 'FeatureCollection'; features: Array<{ type: 'Feature'; properties: Record<string, unknown>; geometry: unknown }> } {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/grid/${name}.geojson`, import.meta.url)), 'utf8'));
}

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/grid/${name}.geojson`, import.meta.url));
}

/** Lattice point of the fixtures: (113 + x·0.001, 28 + y·0.001). */
export function lattice(x: number, y: number): [number, number] {
  return [113 + x * 0.001, 28 + y * 0.001];
}
