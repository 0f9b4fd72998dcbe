/**
 * The abuse limits of the public intake, decided from counts of recent
 * reports (docs/citizens.md says why these numbers).
 */
export interface IntakeLimits {
  /** Reports one client address may send in 24 h without a challenge. */
  freePerClientPerDay: number;
  /** Reports one client address may send in 24 h at all (a shared address, e.g. a carrier NAT, still gets this many). */
  maxPerClientPerDay: number;
  /** Reports one client address may send in an hour at all. */
  maxPerClientPerHour: number;
  /** Reports naming one phone number in 24 h. */
  maxPerPhonePerDay: number;
  /** Photos per report and the size of each. */
  maxPhotos: number;
  maxPhotoBytes: number;
  /** Photo uploads one client address may make in an hour (photos are stored before the report that names them). */
  maxUploadsPerClientPerHour: number;
  /** Zero bits of the proof of work (about 2^n hashes to solve). */
  challengeDifficulty: number;
  challengeTtlMs: number;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  freePerClientPerDay: 3,
  maxPerClientPerDay: 20,
  maxPerClientPerHour: 10,
  maxPerPhonePerDay: 5,
  maxPhotos: 4,
  maxPhotoBytes: 5 * 1_048_576,
  maxUploadsPerClientPerHour: 30,
  challengeDifficulty: 16,
  challengeTtlMs: 10 * 60_000,
};

export interface RecentCounts {
  clientHour: number;
  clientDay: number;
  phoneDay: number;
}

export type IntakeDecision =
  | { kind: 'ok' }
  | { kind: 'challenge' }
  | { kind: 'limited'; by: 'client' | 'phone' };

/** What the next report of a client (and phone) needs, given their recent reports. */
export function decideIntake(counts: RecentCounts, hasPhone: boolean, limits: IntakeLimits): IntakeDecision {
  if (counts.clientHour >= limits.maxPerClientPerHour || counts.clientDay >= limits.maxPerClientPerDay) return { kind: 'limited', by: 'client' };
  if (hasPhone && counts.phoneDay >= limits.maxPerPhonePerDay) return { kind: 'limited', by: 'phone' };
  if (counts.clientDay >= limits.freePerClientPerDay) return { kind: 'challenge' };
  return { kind: 'ok' };
}

/** A phone as counted: digits only, a leading +86 / 0086 dropped. */
export function normalisePhone(phone: string): string {
  return phone.replace(/\D/g, '').replace(/^(0086|86)(?=1\d{10}$)/, '');
}
