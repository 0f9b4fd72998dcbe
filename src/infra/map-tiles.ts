/**
 * Validation of raster tile source settings (URL templates, presets, key,
 * coordinate system), so a bad value stops the server at start. What the
 * settings resolve to is the grid module's (src/modules/grid/rules/basemap.ts).
 */

export const BASEMAP_PRESETS = ['tianditu-vec', 'tianditu-img'] as const;
export type BasemapPreset = (typeof BASEMAP_PRESETS)[number];
export const TILE_CRS = ['wgs84', 'cgcs2000', 'gcj02'] as const;
export type TileCrs = (typeof TILE_CRS)[number];

export interface BasemapInput {
  preset?: BasemapPreset | undefined;
  url?: string | undefined;
  labelUrl?: string | undefined;
  key?: string | undefined;
  attribution?: string | undefined;
  crs: TileCrs;
}

const PLACEHOLDERS = ['{z}', '{x}', '{y}'];

/** Why a tile URL template is not usable, or null. */
export function tileUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/\{[a-z]+\}/g, '0'));
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an http(s) URL';
  const missing = PLACEHOLDERS.filter((p) => !url.includes(p));
  if (missing.length > 0) return `must contain ${missing.join(', ')} (an XYZ template; for WMTS put {z}, {y}, {x} in TILEMATRIX, TILEROW, TILECOL)`;
  const unknown = [...url.matchAll(/\{([^}]*)\}/g)].map((m) => m[0]).filter((p) => !PLACEHOLDERS.includes(p) && p !== '{key}');
  if (unknown.length > 0) return `has unknown placeholder(s) ${unknown.join(', ')} (allowed: {z}, {x}, {y}, {key})`;
  return null;
}

/** Problems of a combination of settings, keyed by the setting to name in the message. */
export function basemapProblems(input: BasemapInput): Array<{ setting: 'mapTilePreset' | 'mapTileUrl' | 'mapTileLabelUrl' | 'mapTileKey' | 'mapTileCrs'; message: string }> {
  const problems: ReturnType<typeof basemapProblems> = [];
  if (input.preset && input.url) problems.push({ setting: 'mapTileUrl', message: 'set either a preset or a tile URL, not both' });
  if (input.labelUrl && !input.url) problems.push({ setting: 'mapTileLabelUrl', message: 'a label layer needs a tile URL for the base layer' });
  if (input.preset && !input.key) problems.push({ setting: 'mapTileKey', message: `the ${input.preset} preset needs a key (Tianditu tk)` });
  if (input.preset && input.crs === 'gcj02') problems.push({ setting: 'mapTileCrs', message: 'Tianditu tiles are CGCS2000, not gcj02' });
  for (const [setting, url] of [['mapTileUrl', input.url], ['mapTileLabelUrl', input.labelUrl]] as const) {
    if (url?.includes('{key}') && !input.key) problems.push({ setting: 'mapTileKey', message: `${setting} has {key} but no key is set` });
  }
  return problems;
}

