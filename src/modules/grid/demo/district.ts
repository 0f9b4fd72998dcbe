/**
 * Deterministic synthetic district for demos, tests and benchmarks, shaped
 * like Yuhua district (Changsha, division code 430111): at scale 1 it has
 * 12 streets (2 of them towns), 179 communities and 951 unit grids.
 *
 * How polygons tile exactly: the district is a set of cells of one jittered
 * "brick" lattice (odd rows shifted by half a cell, so every lattice vertex
 * touches exactly three cells). Streets, then communities, then unit grids
 * are grown as connected sets of cells, and every polygon is traced from
 * the boundary edges of its cell set. Neighbours therefore share the very
 * same vertices, a parent is exactly the union of its children, and with
 * three cells per vertex no boundary can pinch into a self-touching ring.
 */
import type { GridLevel } from '../rules/codes.js';
import type { GridFeature, Position, Ring } from '../rules/types.js';
import { createRandom, type Random } from './random.js';

export interface DemoDistrictOptions {
  seed: number | string;
  /** 1 = the reference district; 0.1 gives about a tenth of the grids. */
  scale: number;
}

export const DEMO_DISTRICT_CODE = '430111';
export const DEMO_DISTRICT_NAME = '雨花区';
/** [minLng, minLat, maxLng, maxLat] that every demo polygon stays inside. */
export const DEMO_BBOX: readonly [number, number, number, number] = [112.98, 28.03, 113.16, 28.2];

const MARGIN_DEG = 0.004;
/** Lattice cells per unit grid: enough for irregular unit shapes, few enough to stay fast. */
const CELLS_PER_UNIT = 7;
/** Fraction of the lattice rectangle the district outline covers (measured). */
const OUTLINE_FILL = 0.68;
/** Towns hold fewer, larger communities (villages) per area than urban streets. */
const TOWN_DENSITY = 0.45;

export interface DemoCounts {
  streets: number;
  communities: number;
  units: number;
}

export function demoCounts(scale: number): DemoCounts {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const streets = Math.max(1, Math.round(12 * scale));
  const communities = Math.max(streets, Math.round(179 * scale));
  const units = Math.max(communities, Math.round(951 * scale));
  if (streets > 999 || communities / streets > 999 || units / communities > 999) {
    throw new RangeError(`scale ${scale} does not fit 3-digit code segments`);
  }
  return { streets, communities, units };
}

// ---------------------------------------------------------------------------
// Lattice
// ---------------------------------------------------------------------------

interface Lattice {
  rows: number;
  cols: number;
  /** Vertices per lattice line: half-cell positions 0..2·cols+1. */
  stride: number;
  vx: Float64Array;
  vy: Float64Array;
}

function buildLattice(cellTarget: number, rng: Random): Lattice {
  const [minLng, minLat, maxLng, maxLat] = DEMO_BBOX;
  const x0 = minLng + MARGIN_DEG;
  const y0 = minLat + MARGIN_DEG;
  const width = maxLng - minLng - 2 * MARGIN_DEG;
  const height = maxLat - minLat - 2 * MARGIN_DEG;
  // Roughly square cells on the ground: a degree of longitude is cos(lat) shorter.
  const groundW = width * Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const cellSide = Math.sqrt((groundW * height) / (cellTarget / OUTLINE_FILL));
  const rows = Math.max(4, Math.round(height / cellSide));
  const cols = Math.max(4, Math.round(groundW / cellSide));
  const stride = 2 * cols + 2;
  const half = width / (2 * cols + 1);
  const rowH = height / rows;
  const vx = new Float64Array((rows + 1) * stride);
  const vy = new Float64Array((rows + 1) * stride);
  for (let i = 0; i <= rows; i++) {
    for (let k = 0; k < stride; k++) {
      // x jitter under a quarter of the half-cell keeps each hexagonal cell simple
      // (its left and right sides never reach its middle vertices); y jitter under
      // a third of a row keeps neighbouring lattice lines apart.
      const jx = (rng.next() - 0.5) * 0.45 * half;
      const jy = (rng.next() - 0.5) * 0.55 * rowH;
      vx[i * stride + k] = round7(x0 + k * half + jx);
      vy[i * stride + k] = round7(y0 + i * rowH + jy);
    }
  }
  return { rows, cols, stride, vx, vy };
}

/** 1e-7° ≈ 1 cm: compact JSON, and shared vertices stay bit-identical because each is rounded once. */
function round7(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}

/** The six vertex ids of cell (r, c), counter-clockwise from the bottom-left. */
function cellVertices(l: Lattice, cell: number): [number, number, number, number, number, number] {
  const r = Math.floor(cell / l.cols);
  const c = cell % l.cols;
  const k = 2 * c + (r % 2);
  const b = r * l.stride + k;
  const t = (r + 1) * l.stride + k;
  return [b, b + 1, b + 2, t + 2, t + 1, t];
}

function cellCentre(l: Lattice, cell: number): [number, number] {
  let x = 0;
  let y = 0;
  for (const v of cellVertices(l, cell)) {
    x += l.vx[v]!;
    y += l.vy[v]!;
  }
  return [x / 6, y / 6];
}

/** Cells sharing an edge with `cell`: left, right and two above, two below. */
function cellNeighbours(l: Lattice, cell: number): number[] {
  const r = Math.floor(cell / l.cols);
  const c = cell % l.cols;
  const out: number[] = [];
  const push = (rr: number, cc: number): void => {
    if (rr >= 0 && rr < l.rows && cc >= 0 && cc < l.cols) out.push(rr * l.cols + cc);
  };
  push(r, c - 1);
  push(r, c + 1);
  const shift = r % 2 === 0 ? -1 : 0;
  for (const rr of [r - 1, r + 1]) {
    push(rr, c + shift);
    push(rr, c + shift + 1);
  }
  return out;
}

/** Cells inside a wobbly star-shaped outline, made connected and hole-free. */
function districtCells(l: Lattice, rng: Random): number[] {
  const n = l.rows * l.cols;
  const phase1 = rng.range(0, 2 * Math.PI);
  const phase2 = rng.range(0, 2 * Math.PI);
  const inside = new Uint8Array(n);
  let cx = 0;
  let cy = 0;
  const centres: Array<[number, number]> = [];
  for (let cell = 0; cell < n; cell++) {
    const p = cellCentre(l, cell);
    centres.push(p);
    cx += p[0];
    cy += p[1];
  }
  cx /= n;
  cy /= n;
  const hx = (DEMO_BBOX[2] - DEMO_BBOX[0]) / 2 - MARGIN_DEG;
  const hy = (DEMO_BBOX[3] - DEMO_BBOX[1]) / 2 - MARGIN_DEG;
  let centreCell = 0;
  let best = Infinity;
  for (let cell = 0; cell < n; cell++) {
    const [x, y] = centres[cell]!;
    const u = (x - cx) / hx;
    const v = (y - cy) / hy;
    const rho = Math.hypot(u, v);
    const theta = Math.atan2(v, u);
    const limit = 1.1 - 0.1 * (1 + Math.sin(3 * theta + phase1)) - 0.05 * (1 + Math.sin(5 * theta + phase2));
    if (rho < limit) inside[cell] = 1;
    if (rho < best) {
      best = rho;
      centreCell = cell;
    }
  }
  // Keep the component around the centre, then fill enclosed holes: the
  // district outline is one ring.
  const keep = new Uint8Array(n);
  const stack = [centreCell];
  keep[centreCell] = 1;
  while (stack.length > 0) {
    const cell = stack.pop()!;
    for (const nb of cellNeighbours(l, cell)) {
      if (inside[nb] && !keep[nb]) {
        keep[nb] = 1;
        stack.push(nb);
      }
    }
  }
  const outside = new Uint8Array(n);
  for (let cell = 0; cell < n; cell++) {
    const r = Math.floor(cell / l.cols);
    const c = cell % l.cols;
    const border = r === 0 || c === 0 || r === l.rows - 1 || c === l.cols - 1;
    if (border && !keep[cell]) {
      outside[cell] = 1;
      stack.push(cell);
    }
  }
  while (stack.length > 0) {
    const cell = stack.pop()!;
    for (const nb of cellNeighbours(l, cell)) {
      if (!keep[nb] && !outside[nb]) {
        outside[nb] = 1;
        stack.push(nb);
      }
    }
  }
  const cells: number[] = [];
  for (let cell = 0; cell < n; cell++) if (!outside[cell]) cells.push(cell);
  return cells;
}

// ---------------------------------------------------------------------------
// Partitioning a connected cell set into connected parts
// ---------------------------------------------------------------------------

/**
 * Splits `cells` (connected) into `parts` connected parts with sizes roughly
 * proportional to `weights`: seeds spread by farthest-point sampling, then
 * balanced growth where the part furthest below its share takes the frontier
 * cell nearest its seed (scaled by per-cell noise, for irregular borders).
 */
function partition(l: Lattice, cells: readonly number[], weights: readonly number[], rng: Random, noise: Float64Array): number[][] {
  const parts = weights.length;
  const centre = new Map<number, [number, number]>();
  for (const cell of cells) centre.set(cell, cellCentre(l, cell));
  // Ground distance at the demo latitude, so parts come out round rather than tall.
  const kx = Math.cos((28.1 * Math.PI) / 180);
  const dist = (a: [number, number], b: [number, number]): number => Math.hypot((a[0] - b[0]) * kx, a[1] - b[1]);

  const seeds: number[] = [cells[rng.int(0, cells.length - 1)]!];
  const nearest = new Map<number, number>();
  for (const cell of cells) nearest.set(cell, dist(centre.get(cell)!, centre.get(seeds[0]!)!));
  while (seeds.length < parts) {
    let far = -1;
    let farD = -1;
    for (const cell of cells) {
      const d = nearest.get(cell)!;
      if (d > farD) {
        farD = d;
        far = cell;
      }
    }
    seeds.push(far);
    const fc = centre.get(far)!;
    for (const cell of cells) nearest.set(cell, Math.min(nearest.get(cell)!, dist(centre.get(cell)!, fc)));
  }

  const owner = new Map<number, number>();
  const members: number[][] = seeds.map(() => []);
  const frontier: number[][] = seeds.map(() => []);
  const total = weights.reduce((s, w) => s + w, 0);
  const share = weights.map((w) => (w / total) * cells.length);
  const claim = (cell: number, part: number): void => {
    owner.set(cell, part);
    members[part]!.push(cell);
    for (const nb of cellNeighbours(l, cell)) if (centre.has(nb) && !owner.has(nb)) frontier[part]!.push(nb);
  };
  seeds.forEach((s, part) => claim(s, part));

  let assigned = seeds.length;
  while (assigned < cells.length) {
    let part = -1;
    let lowest = Infinity;
    for (let p = 0; p < parts; p++) {
      const f = frontier[p]!;
      let w = 0;
      for (const cell of f) if (!owner.has(cell)) f[w++] = cell;
      f.length = w;
      if (w === 0) continue;
      const fill = members[p]!.length / share[p]!;
      if (fill < lowest) {
        lowest = fill;
        part = p;
      }
    }
    const f = frontier[part]!;
    const sc = centre.get(seeds[part]!)!;
    let pick = 0;
    let pickScore = Infinity;
    f.forEach((cell, i) => {
      const score = dist(centre.get(cell)!, sc) * (1 + noise[cell]!);
      if (score < pickScore) {
        pickScore = score;
        pick = i;
      }
    });
    const cell = f[pick]!;
    f[pick] = f[f.length - 1]!;
    f.pop();
    claim(cell, part);
    assigned++;
  }
  return members;
}

/**
 * Distributes `total` among slots in proportion to `weights` (highest
 * averages), every slot getting at least 1 and at most its cap.
 */
function apportion(total: number, weights: readonly number[], caps: readonly number[]): number[] {
  const out = weights.map(() => 1);
  let left = total - out.length;
  if (left < 0 || caps.reduce((s, c) => s + c, 0) < total) throw new Error('demo district: cannot apportion grids');
  while (left > 0) {
    let best = -1;
    let bestQ = -Infinity;
    for (let i = 0; i < out.length; i++) {
      if (out[i]! >= caps[i]!) continue;
      const q = weights[i]! / (out[i]! + 1);
      if (q > bestQ) {
        bestQ = q;
        best = i;
      }
    }
    out[best]!++;
    left--;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Tracing cell sets into GeoJSON polygons
// ---------------------------------------------------------------------------

function tracePolygon(l: Lattice, cells: readonly number[]): Ring[] {
  const inSet = new Set(cells);
  // Directed edges of every cell, counter-clockwise; an edge is on the boundary
  // when its reverse does not belong to a cell of the set.
  const directed = new Set<string>();
  for (const cell of cells) {
    const v = cellVertices(l, cell);
    for (let i = 0; i < 6; i++) directed.add(`${v[i]},${v[(i + 1) % 6]}`);
  }
  const next = new Map<number, number>();
  for (const cell of inSet) {
    const v = cellVertices(l, cell);
    for (let i = 0; i < 6; i++) {
      const a = v[i]!;
      const b = v[(i + 1) % 6]!;
      if (!directed.has(`${b},${a}`)) next.set(a, b);
    }
  }
  const rings: Array<{ ring: Ring; area: number }> = [];
  const seen = new Set<number>();
  for (const start of [...next.keys()].sort((a, b) => a - b)) {
    if (seen.has(start)) continue;
    const ring: Ring = [];
    let area = 0;
    for (let v = start; ; ) {
      seen.add(v);
      const w = next.get(v)!;
      ring.push([l.vx[v]!, l.vy[v]!] as Position);
      area += l.vx[v]! * l.vy[w]! - l.vx[w]! * l.vy[v]!;
      v = w;
      if (v === start) break;
    }
    ring.push([ring[0]![0], ring[0]![1]]);
    rings.push({ ring, area });
  }
  // Counter-clockwise (positive) is the exterior, clockwise rings are holes (RFC 7946 winding).
  const exterior = rings.filter((r) => r.area > 0);
  if (exterior.length !== 1) throw new Error(`demo district: a cell set traced to ${exterior.length} exteriors`);
  return [exterior[0]!.ring, ...rings.filter((r) => r.area < 0).map((r) => r.ring)];
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

const FIRST = [...'东西南北金银石沙竹梅桂荷枫樟松柏桃李杨柳青红白黄新高长圭洞井湘泉'];
const SECOND = [...'塘湖山岭桥园坪湾港溪冲岗坡林苑田坝洲'];
const MIDDLE = [...'家子石马花木'];

function namePool(rng: Random): () => string {
  const two = FIRST.flatMap((a) => SECOND.map((b) => a + b));
  const three = FIRST.flatMap((a) => MIDDLE.flatMap((m) => SECOND.map((b) => a + m + b)));
  const pool = [...rng.shuffle(two), ...rng.shuffle(three)];
  let i = 0;
  return () => {
    const name = pool[i++];
    if (name === undefined) throw new Error('demo district: out of names');
    return name;
  };
}

// ---------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------

interface Node {
  cells: number[];
  centre: [number, number];
}

function makeNode(l: Lattice, cells: number[]): Node {
  let x = 0;
  let y = 0;
  for (const cell of cells) {
    const [cx, cy] = cellCentre(l, cell);
    x += cx;
    y += cy;
  }
  return { cells, centre: [x / cells.length, y / cells.length] };
}

/** Numbering order: north to south in bands, west to east within a band, like a map is read. */
function byReadingOrder(bandDeg: number): (a: Node, b: Node) => number {
  return (a, b) => {
    const ba = Math.floor((DEMO_BBOX[3] - a.centre[1]) / bandDeg);
    const bb = Math.floor((DEMO_BBOX[3] - b.centre[1]) / bandDeg);
    return ba !== bb ? ba - bb : a.centre[0] - b.centre[0];
  };
}

function code3(n: number): string {
  return String(n).padStart(3, '0');
}

/**
 * The whole tree, parents before children (district, streets, communities,
 * unit grids, each in code order). Same seed and scale, same output.
 */
export function generateDemoDistrict(options: DemoDistrictOptions): GridFeature[] {
  const counts = demoCounts(options.scale);
  const rng = createRandom(options.seed);
  const lattice = buildLattice(counts.units * CELLS_PER_UNIT, rng);
  const noise = new Float64Array(lattice.rows * lattice.cols);
  for (let i = 0; i < noise.length; i++) noise[i] = rng.range(0, 0.6);
  const all = districtCells(lattice, rng);
  if (all.length < counts.units) throw new Error('demo district: lattice too coarse for the requested scale');
  const nextName = namePool(rng);

  const features: GridFeature[] = [];
  const feature = (code: string, level: GridLevel, parent: string | null, name: string, node: Node): GridFeature => ({
    code,
    level,
    parentCode: parent,
    name,
    geometry: { type: 'Polygon', coordinates: tracePolygon(lattice, node.cells) },
  });
  const district = makeNode(lattice, all);
  features.push(feature(DEMO_DISTRICT_CODE, 'district', null, DEMO_DISTRICT_NAME, district));

  const height = DEMO_BBOX[3] - DEMO_BBOX[1];
  const streets = partition(lattice, all, Array(counts.streets).fill(1), rng, noise)
    .map((cells) => makeNode(lattice, cells))
    .sort(byReadingOrder(height / 4));
  // Towns are the streets farthest from the centre: the rural rim of the district.
  const towns = new Set(
    [...streets]
      .sort((a, b) => distance(b.centre, district.centre) - distance(a.centre, district.centre))
      .slice(0, Math.floor(counts.streets / 6)),
  );
  const communitiesPerStreet = apportion(
    counts.communities,
    streets.map((s) => s.cells.length * (towns.has(s) ? TOWN_DENSITY : 1)),
    streets.map((s) => s.cells.length),
  );

  const communityFeatures: GridFeature[] = [];
  const unitFeatures: GridFeature[] = [];
  const communityNodes: Array<{ node: Node; code: string; name: string; town: boolean }> = [];
  streets.forEach((street, si) => {
    const streetCode = DEMO_DISTRICT_CODE + code3(si + 1);
    const town = towns.has(street);
    features.push(feature(streetCode, 'street', DEMO_DISTRICT_CODE, nextName() + (town ? '镇' : '街道'), street));
    const parts = partition(lattice, street.cells, Array(communitiesPerStreet[si]!).fill(1), rng, noise)
      .map((cells) => makeNode(lattice, cells))
      .sort(byReadingOrder(height / 16));
    parts.forEach((community, ci) => {
      const code = streetCode + code3(ci + 1);
      const name = nextName() + (town ? '村' : '社区');
      communityNodes.push({ node: community, code, name, town });
      communityFeatures.push(feature(code, 'community', streetCode, name, community));
    });
  });

  const unitsPerCommunity = apportion(
    counts.units,
    communityNodes.map((c) => c.node.cells.length * (c.town ? TOWN_DENSITY : 1)),
    communityNodes.map((c) => c.node.cells.length),
  );
  communityNodes.forEach((community, i) => {
    const units = partition(lattice, community.node.cells, Array(unitsPerCommunity[i]!).fill(1), rng, noise)
      .map((cells) => makeNode(lattice, cells))
      .sort(byReadingOrder(height / 64));
    units.forEach((unit, ui) => {
      unitFeatures.push(feature(community.code + code3(ui + 1), 'unit', community.code, `${community.name}第${ui + 1}网格`, unit));
    });
  });
  return [...features, ...communityFeatures, ...unitFeatures];
}

function distance(a: [number, number], b: [number, number]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}
