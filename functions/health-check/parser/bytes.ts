/**
 * The hot path reads each chunk through a latin1 view: a one-byte JS string with one char per byte, so offsets in
 * the string are offsets in the Buffer. Searching and comparing then use V8's string builtins (no call into C++
 * per line), and UTF-8 is decoded (from the Buffer) only for the few lines that can matter.
 */

export const NL = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const TAB = 0x09;
export const QUOTE = 0x22;

/** First index of `needle` in text[from, to), or -1. */
export function indexIn(text: string, needle: string, from: number, to: number): number {
  if (from >= to) return -1;
  const i = text.indexOf(needle, from);
  return i === -1 || i + needle.length > to ? -1 : i;
}

/** True when text[a, a+len) equals other[b, b+len) (a JS loop: exits at the first difference). */
export function sameRange(text: string, a: number, other: string, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) {
    if (text.charCodeAt(a + i) !== other.charCodeAt(b + i)) return false;
  }
  return true;
}

export function isDigitCode(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** End of text[start, end) after dropping trailing spaces, tabs and CR. */
export function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start) {
    const c = text.charCodeAt(e - 1);
    if (c !== SPACE && c !== CR && c !== TAB) break;
    e--;
  }
  return e;
}
