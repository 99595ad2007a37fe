/**
 * The few TOML value encoders config.toml needs (TOML 1.0 basic strings, integers, floats, arrays).
 * gitlab-runner reads config.toml with BurntSushi/toml, which follows the same spec.
 */

/** A TOML basic string: `"` and `\` escaped, control characters (and DEL) as escapes, everything else literal. */
export function tomlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0').toUpperCase()}`;
    else out += ch;
  }
  return `${out}"`;
}

export function tomlInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not an integer`);
  return String(value);
}

/** A TOML float; always with a fraction or exponent so it never reads back as an integer. */
export function tomlFloat(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

export function tomlBoolean(value: boolean): string {
  return value ? 'true' : 'false';
}

/** An inline array of strings on one line. */
export function tomlStringArray(values: readonly string[]): string {
  return `[${values.map(tomlString).join(', ')}]`;
}

/** An array of strings, one item per line (readable MachineOptions). */
export function tomlStringArrayMultiline(values: readonly string[], indent: string): string {
  if (values.length === 0) return '[]';
  return `[\n${values.map((v) => `${indent}  ${tomlString(v)},`).join('\n')}\n${indent}]`;
}

/** Go's time.Duration.String() for whole seconds: 300 -> "5m0s", 3600 -> "1h0m0s", 0 -> "0s". */
export function goDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0)
    throw new RangeError(`${seconds} is not a whole number of seconds`);
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
