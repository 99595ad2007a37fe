import { SPACE } from './bytes.js';
import { CHECKING_FOR_JOBS, EVENT_MESSAGE_STARTS } from './messages.js';

/**
 * The prefilter: from the first bytes of a message, decide whether the line can matter before decoding it.
 * Most lines of a debug-level log (`Feeding runners to channel`, `Appending trace…`, job-trace lines) cannot,
 * and are counted without ever becoming a string.
 */
export const M_SKIP = 0;
/** Decode the line and interpret it (rare messages: job received/finished, machines, snapshots, access). */
export const M_DECODE = 1;
/** `Checking for jobs... nothing` / `...nothing` / `...no content`: a poll that returned no job. */
export const M_POLL_EMPTY = 2;
/** `Docker Machine Details` (every poll at debug level). */
export const M_DETAILS = 3;
/** A debug-only line that produces no event (`Feeding runner(s) to channel`): proves the debug level. */
export const M_DEBUG = 4;
export type MessageClass = typeof M_SKIP | typeof M_DECODE | typeof M_POLL_EMPTY | typeof M_DETAILS | typeof M_DEBUG;

interface Entry {
  needle: string;
  cls: MessageClass;
}

/** Needles by their first two chars (ASCII): most messages that cannot matter fail on this lookup alone. */
const BY_FIRST_TWO: (Entry[] | undefined)[] = new Array(128 * 128).fill(undefined);

function add(needle: string, cls: MessageClass): void {
  const key = needle.charCodeAt(0) * 128 + needle.charCodeAt(1);
  const list = BY_FIRST_TWO[key] ?? [];
  list.push({ needle, cls });
  BY_FIRST_TWO[key] = list;
}

add('Docker Machine Details', M_DETAILS);
add('Feeding runner', M_DEBUG);
for (const start of EVENT_MESSAGE_STARTS) {
  if (start !== CHECKING_FOR_JOBS && start !== 'Docker Machine Details') add(start, M_DECODE);
}
add('metrics snapshot', M_DECODE);
add('access"', M_DECODE); // workhorse JSON access log: `"msg":"access"`

/**
 * Class of the message starting at text[pos] (inside a JSON string, or plain text). A needle never extends past
 * the message: none contains a quote but `access"`, which ends where the JSON string does.
 */
export function classifyMessage(text: string, pos: number): MessageClass {
  const c = text.charCodeAt(pos);
  if (c === 0x43 && text.startsWith(CHECKING_FOR_JOBS, pos)) {
    let q = pos + CHECKING_FOR_JOBS.length;
    if (text.charCodeAt(q) === SPACE) q++;
    return text.charCodeAt(q) === 0x6e ? M_POLL_EMPTY : M_DECODE; // n: `nothing` / `no content`
  }
  const c1 = text.charCodeAt(pos + 1);
  const list = c < 128 && c1 < 128 ? BY_FIRST_TWO[c * 128 + c1] : undefined;
  if (list === undefined) return M_SKIP;
  for (const entry of list) {
    if (text.startsWith(entry.needle, pos)) return entry.cls;
  }
  return M_SKIP;
}

/** The same decision for an already decoded message (text formats). */
export function classifyText(msg: string): MessageClass {
  for (const start of EVENT_MESSAGE_STARTS) if (msg.startsWith(start)) return M_DECODE;
  return M_SKIP;
}
