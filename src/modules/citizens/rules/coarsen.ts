/**
 * Positions on the public map are coarsened by snapping to a fixed grid of
 * cells about `cellM` metres on a side and showing each case at its cell's
 * centre. Snapping (rather than adding noise) gives the same answer every
 * time, so repeating a request or averaging many answers tells nothing more
 * than the cell. Cells are fixed in degrees from 0°/0°: the latitude step is
 * cellM / 111 320 m, the longitude step is widened by 1/cos of the cell row's
 * centre latitude so cells stay about square.
 */
const M_PER_DEG = 111_320;

export function coarsen(lng: number, lat: number, cellM: number): { lng: number; lat: number } {
  const latStep = cellM / M_PER_DEG;
  const row = Math.floor(lat / latStep);
  const centreLat = (row + 0.5) * latStep;
  const lngStep = cellM / (M_PER_DEG * Math.max(0.01, Math.cos((centreLat * Math.PI) / 180)));
  const column = Math.floor(lng / lngStep);
  // Rounded to 7 decimals (about 1 cm): the centre, not float noise, is what is published.
  const round = (x: number) => Math.round(x * 1e7) / 1e7;
  return { lng: round((column + 0.5) * lngStep), lat: round(centreLat) };
}
