/**
 * The API speaks ISO UTC instants; the console shows them in Beijing time
 * (Asia/Shanghai, UTC+8, no daylight saving) whatever the browser's zone.
 */
export const DISPLAY_TIME_ZONE = 'Asia/Shanghai';

const formatter = new Intl.DateTimeFormat('en-CA', {
  timeZone: DISPLAY_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `2026-11-29 10:18:07` in Beijing time; '' for null or an unparseable value. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const parts = Object.fromEntries(formatter.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/**
 * A wall-clock time picked in the console ("YYYY-MM-DDTHH:mm:ss", meant as
 * Beijing time) as an ISO UTC instant for the API.
 */
export function beijingWallClockToIso(wallClock: string): string {
  return new Date(`${wallClock}+08:00`).toISOString();
}
