/**
 * The subset of Amazon States Language a test needs to follow our state machine: JSONPath reads (`$.a.b`) and the
 * Choice rules the deploy definition uses (StringEquals, BooleanEquals, IsPresent, And, Or, Not). An unknown rule
 * throws, so a definition that starts using one fails the tests instead of being misread.
 */
// biome-ignore lint/suspicious/noExplicitAny: ASL states are arbitrary JSON.
export type AslState = Record<string, any>;

/** `$.a.b` of a JSON value (undefined when absent); `$` is the value itself. */
export const at = (data: unknown, path: string): unknown =>
  path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), data);

export function matchesChoiceRule(rule: AslState, data: unknown): boolean {
  if (rule.And) return rule.And.every((r: AslState) => matchesChoiceRule(r, data));
  if (rule.Or) return rule.Or.some((r: AslState) => matchesChoiceRule(r, data));
  if (rule.Not) return !matchesChoiceRule(rule.Not, data);
  const value = at(data, rule.Variable);
  if ('StringEquals' in rule) return value === rule.StringEquals;
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  if ('IsPresent' in rule) return (value !== undefined) === rule.IsPresent;
  throw new Error(`Choice rule not understood by test/support/asl-choice.ts: ${JSON.stringify(rule)}`);
}

/** The Next of the first matching Choice rule, else the Default (undefined when neither: States.NoChoiceMatched). */
export const chooseNext = (choice: AslState, data: unknown): string | undefined =>
  choice.Choices.find((c: AslState) => matchesChoiceRule(c, data))?.Next ?? choice.Default;
