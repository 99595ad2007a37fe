/** Small time helpers shared by the analyser and the report (epoch ms in, ISO / seconds out). */

export const iso = (ms: number | undefined | null): string | null =>
  ms === undefined || ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString();

/** Seconds between two epoch-ms times, rounded to 0.1 s; null when either is unknown. */
export const secondsBetween = (from: number | undefined, to: number | undefined): number | null =>
  from === undefined || to === undefined ? null : round1((to - from) / 1000);

export const round1 = (n: number): number => Math.round(n * 10) / 10;

export const maxOf = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

export const minOf = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/** Human duration for evidence sentences: `45 s`, `12 min`, `3 h 5 min`. */
export function humanSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 120) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}
