/**
 * The workforce settings: data the administrator edits in the console
 * (PUT /api/workforce/settings), one row in workforce_settings. Every value
 * has a default, so a row written by an older version still reads.
 */
import { z } from 'zod';
import { parseHhmm } from './rules/rota.js';
import { DEFAULT_TRACK_RULES } from './rules/track.js';

const Hhmm = z.string().refine((s) => parseHhmm(s) !== null, 'must be HH:MM');

export const SettingsSchema = z.object({
  /** A clock-in or -out counts within this distance of one of the worker's grids (m). */
  clockToleranceM: z.number().int().min(0).max(5000).default(50),
  /** A clock-in up to this long after the shift start is on time (minutes). */
  lateGraceMinutes: z.number().int().min(0).max(240).default(5),
  /** A clock-out up to this long before the shift end is not early leave (minutes). */
  earlyLeaveGraceMinutes: z.number().int().min(0).max(240).default(5),
  /** The shift a new team's rota starts from, Monday to Friday on the working calendar. */
  defaultShift: z.object({ start: Hhmm, end: Hhmm }).default({ start: '08:30', end: '17:30' })
    .refine((s) => parseHhmm(s.start)! < parseHhmm(s.end)!, 'the shift must end after it starts'),
  /** The track filter (rules/track.ts). */
  track: z.object({
    maxSpeedMps: z.number().min(1).max(100).default(DEFAULT_TRACK_RULES.maxSpeedMps),
    maxAccuracyM: z.number().min(1).max(10_000).default(DEFAULT_TRACK_RULES.maxAccuracyM),
    minStepM: z.number().min(0).max(500).default(DEFAULT_TRACK_RULES.minStepM),
    confirmPoints: z.number().int().min(1).max(20).default(DEFAULT_TRACK_RULES.confirmPoints),
  }).default(DEFAULT_TRACK_RULES),
  /** A patrol left open this long is closed at its last point when its worker starts the next one (hours). */
  staleAfterHours: z.number().min(1).max(48).default(12),
  /** The shape a team aims for ("1+4"): full-time and part-time members. */
  team: z.object({ fullTime: z.number().int().min(0).max(10).default(1), partTime: z.number().int().min(0).max(50).default(4) }).default({ fullTime: 1, partTime: 4 }),
});

export type WorkforceSettings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: WorkforceSettings = SettingsSchema.parse({});

/** A stored settings document, defaults filled in (an unreadable one falls back to the defaults). */
export function readSettings(json: string | null | undefined): WorkforceSettings {
  if (!json) return DEFAULT_SETTINGS;
  const parsed = SettingsSchema.safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}
