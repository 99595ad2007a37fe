/** Escapes text for HTML/SVG element content and double-quoted attribute values. Every report string goes through it. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `2025-10-20T09:05:12.000Z` → `09:05:12` (UTC); `—` for null. */
export function clock(isoTime: string | null, withSeconds = true): string {
  if (!isoTime) return '—';
  const t = isoTime.slice(11, withSeconds ? 19 : 16);
  return t.length > 0 ? t : '—';
}

/** Seconds as `45 s`, `2 min 5 s`, `1 h 12 min`; `—` for null. */
export function span(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const m = Math.round(s / 60);
  return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
