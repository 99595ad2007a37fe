import { type CfnValue, escapeSub } from '../shared/cfn.js';

/**
 * Text with deploy-time values, written as plain TypeScript strings with `cfnVar('Name')` markers and turned
 * into one CloudFormation string at the end. Markers use Unicode private-use characters, which neither the
 * TOML encoder nor the shell scripts touch, so literal `${` anywhere else (bash, user config) stays literal.
 */
const OPEN = '\u{E000}';
const CLOSE = '\u{E001}';
const MARKER = /\u{E000}([A-Za-z0-9]+|AWS::[A-Za-z]+)\u{E001}/gu;

/** A marker for a Fn::Sub variable (`LogBucket`) or a pseudo parameter (`AWS::Region`). */
export function cfnVar(name: string): string {
  return `${OPEN}${name}${CLOSE}`;
}

/** True when a text holds marker characters that did not come from cfnVar (refuse such input). */
export function holdsMarkerCharacters(text: string): boolean {
  return text.includes(OPEN) || text.includes(CLOSE);
}

/**
 * The CloudFormation value of a marked text: the plain string when it has no marker, else Fn::Sub with every
 * literal `${` escaped and only the variables the text uses.
 */
export function cfnText(text: string, vars: Record<string, CfnValue>): CfnValue {
  if (!text.includes(OPEN)) return text;
  const used: Record<string, CfnValue> = {};
  const body = escapeSub(text).replace(MARKER, (_match, name: string) => {
    if (!name.startsWith('AWS::')) {
      if (!(name in vars)) throw new Error(`cfnText: no value for the variable ${name}`);
      used[name] = vars[name];
    }
    return `\${${name}}`;
  });
  if (holdsMarkerCharacters(body)) throw new Error('cfnText: a malformed variable marker is left in the text');
  return Object.keys(used).length > 0 ? { 'Fn::Sub': [body, used] } : { 'Fn::Sub': body };
}
