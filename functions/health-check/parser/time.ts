/**
 * Timestamps and durations as gitlab-runner, journald, nginx and syslog write them (formats reference §1.3-1.6,
 * §7). All results are epoch milliseconds (UTC) or seconds; NaN when the text is not a valid value.
 */

const MONTHS: Record<string, number> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};

let cachedDayKey = -1;
let cachedDayMs = 0;

/** Epoch ms of a UTC calendar day; a one-entry cache: log lines come in order, so the day rarely changes. */
function dayMs(year: number, month: number, day: number): number {
  const key = (year * 16 + month) * 32 + day;
  if (key !== cachedDayKey) {
    cachedDayKey = key;
    cachedDayMs = Date.UTC(year, month - 1, day);
  }
  return cachedDayMs;
}

function validClock(month: number, day: number, h: number, m: number, s: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && h <= 23 && m <= 59 && s <= 60;
}

function d2(text: string, p: number): number {
  const a = text.charCodeAt(p) - 0x30;
  const b = text.charCodeAt(p + 1) - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
}

/** Where the last successful parseIsoAt stopped (the char after the zone). */
export let isoEnd = 0;

/**
 * RFC 3339 / ISO 8601 at text[pos..end): `2019-05-14T09:20:06Z`, `…06.412345678Z` (RFC3339Nano), `…06+0000`
 * (journald short-iso up to systemd 254), `…06+00:00` (systemd ≥ 255), `…06.123456+0000` (short-iso-precise).
 * The date/time separator may be `T`, a space or `_` (svlogd). No zone means UTC.
 */
export function parseIsoAt(text: string, pos: number, end: number): number {
  if (pos + 19 > end) return Number.NaN;
  if (
    text.charCodeAt(pos + 4) !== 0x2d ||
    text.charCodeAt(pos + 7) !== 0x2d ||
    text.charCodeAt(pos + 13) !== 0x3a ||
    text.charCodeAt(pos + 16) !== 0x3a
  ) {
    return Number.NaN;
  }
  const sep = text.charCodeAt(pos + 10);
  if (sep !== 0x54 && sep !== 0x20 && sep !== 0x5f && sep !== 0x74) return Number.NaN;
  const year = d2(text, pos) * 100 + d2(text, pos + 2);
  const month = d2(text, pos + 5);
  const day = d2(text, pos + 8);
  const h = d2(text, pos + 11);
  const m = d2(text, pos + 14);
  const s = d2(text, pos + 17);
  if (!validClock(month, day, h, m, s) || !(year >= 1970)) return Number.NaN;
  let p = pos + 19;
  let fracMs = 0;
  let c = text.charCodeAt(p);
  if (p < end && (c === 0x2e || c === 0x2c)) {
    p++;
    const digitsStart = p;
    let digits = 0;
    while (p < end) {
      const d = text.charCodeAt(p) - 0x30;
      if (!(d >= 0 && d <= 9)) break;
      if (digits < 3) fracMs = fracMs * 10 + d; // milliseconds; the rest of a nanosecond fraction is skipped
      digits++;
      p++;
    }
    if (p === digitsStart) return Number.NaN;
    if (digits === 1) fracMs *= 100;
    else if (digits === 2) fracMs *= 10;
    c = text.charCodeAt(p);
  }
  let offsetMin = 0;
  if (p < end && (c === 0x5a || c === 0x7a)) {
    p++;
  } else if (p < end && (c === 0x2b || c === 0x2d)) {
    const oh = d2(text, p + 1);
    let q = p + 3;
    if (text.charCodeAt(q) === 0x3a) q++;
    const om = d2(text, q);
    if (!(oh <= 23 && om <= 59) || q + 2 > end) return Number.NaN;
    offsetMin = (oh * 60 + om) * (c === 0x2d ? -1 : 1);
    p = q + 2;
  }
  isoEnd = p;
  return dayMs(year, month, day) + ((h * 60 + m) * 60 + s) * 1000 + fracMs - offsetMin * 60_000;
}

/** parseIsoAt for a whole value (JSON/text fields); NaN when anything but a space follows the timestamp. */
export function parseIso(text: unknown): number {
  if (typeof text !== 'string') return Number.NaN;
  const t = parseIsoAt(text, 0, text.length);
  return isoEnd === text.length || text.charCodeAt(isoEnd) === 0x20 ? t : Number.NaN;
}

const NGINX_TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** nginx `$time_local`: `14/May/2019:03:27:45 +0000`. */
export function parseNginxTime(text: string): number {
  const m = NGINX_TIME.exec(text);
  if (!m) return Number.NaN;
  const month = MONTHS[m[2] as string];
  if (month === undefined) return Number.NaN;
  const [day, year, h, mi, s, oh, om] = [m[1], m[3], m[4], m[5], m[6], m[8], m[9]].map(Number) as number[];
  if (!validClock(month, day as number, h as number, mi as number, s as number)) return Number.NaN;
  const offset = ((oh as number) * 60 + (om as number)) * (m[7] === '-' ? -1 : 1);
  return Date.UTC(year as number, month - 1, day, h, mi, s) - offset * 60_000;
}

/** Month number of a syslog `Mmm` abbreviation, or undefined. */
export function syslogMonth(name: string): number | undefined {
  return MONTHS[name];
}

export function utcMs(year: number, month: number, day: number, h: number, m: number, s: number): number {
  if (!validClock(month, day, h, m, s)) return Number.NaN;
  return dayMs(year, month, day) + ((h * 60 + m) * 60 + s) * 1000;
}

const GO_DURATION = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** Go `time.Duration.String()` (`2m37.94s`, `428.848569ms`, `1h10m46.07s`, `0s`) in seconds. */
export function parseGoDuration(text: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  if (!GO_DURATION.test(t)) return Number.NaN;
  let seconds = 0;
  for (const m of t.matchAll(GO_PART)) {
    seconds += Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
  }
  return t.startsWith('-') ? -seconds : seconds;
}
