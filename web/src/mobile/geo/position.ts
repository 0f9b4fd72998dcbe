import { useEffect, useState } from 'react';

/** A GPS fix as the browser gives it (WGS-84), with its accuracy radius. */
export interface Fix {
  lng: number;
  lat: number;
  accuracyM: number;
  at: number;
}

export type FixProblem = 'denied' | 'unavailable' | 'timeout';

/** Rounds to 6 decimals (about 0.1 m), as the server stores positions. */
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function fixOf(p: GeolocationPosition): Fix {
  return { lng: round6(p.coords.longitude), lat: round6(p.coords.latitude), accuracyM: Math.round(p.coords.accuracy), at: p.timestamp || Date.now() };
}

export function problemOf(e: GeolocationPositionError): FixProblem {
  return e.code === e.PERMISSION_DENIED ? 'denied' : e.code === e.TIMEOUT ? 'timeout' : 'unavailable';
}

/**
 * Follows the phone's position while `active` (the page is shown): high accuracy, fixes at most 10 s
 * old. Browser GPS is WGS-84, what the server stores; no GCJ-02 shift applies.
 */
export function usePosition(active = true): { fix: Fix | null; problem: FixProblem | null } {
  const [fix, setFix] = useState<Fix | null>(null);
  const [problem, setProblem] = useState<FixProblem | null>(null);
  useEffect(() => {
    if (!active) return;
    if (!('geolocation' in navigator)) {
      setProblem('unavailable');
      return;
    }
    const id = navigator.geolocation.watchPosition(
      (p) => {
        setFix(fixOf(p));
        setProblem(null);
      },
      (e) => setProblem(problemOf(e)),
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 30_000 },
    );
    return () => navigator.geolocation.clearWatch(id);
  }, [active]);
  return { fix, problem };
}
