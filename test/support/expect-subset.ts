/**
 * Compares a report with an expected subset (the fixtures' `*.expected.json`): objects must hold every expected key,
 * arrays must have the same length and match element by element, ISO times match within one second (logs of
 * <= 18.5 have second precision, 18.6+ nanoseconds), and `{ "$approx": n, "$tolerance": t }` /
 * `{ "$atLeast": n }` match numbers. Returns the list of mismatches (empty = match), each with its path.
 */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function subsetMismatches(actual: unknown, expected: unknown, path = '$'): string[] {
  if (isObject(expected) && '$approx' in expected) {
    const { $approx, $tolerance } = expected as { $approx: number; $tolerance: number };
    return typeof actual === 'number' && Math.abs(actual - $approx) <= $tolerance
      ? []
      : [`${path}: expected ${$approx} ± ${$tolerance}, got ${JSON.stringify(actual)}`];
  }
  if (isObject(expected) && '$atLeast' in expected) {
    const min = (expected as { $atLeast: number }).$atLeast;
    return typeof actual === 'number' && actual >= min
      ? []
      : [`${path}: expected >= ${min}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) {
      return [`${path}: expected ${expected.length} element(s), got ${actual.length}: ${short(actual)}`];
    }
    return expected.flatMap((e, i) => subsetMismatches(actual[i], e, `${path}[${i}]`));
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([k, v]) => subsetMismatches(actual[k], v, `${path}.${k}`));
  }
  if (typeof expected === 'string' && ISO.test(expected) && typeof actual === 'string' && ISO.test(actual)) {
    return Math.abs(Date.parse(actual) - Date.parse(expected)) < 1000
      ? []
      : [`${path}: expected ${expected}, got ${actual}`];
  }
  return Object.is(actual, expected)
    ? []
    : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function short(v: unknown): string {
  const text = JSON.stringify(v);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
