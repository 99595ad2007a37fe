import { createAnalyser } from './analyser/analyser.js';
import type { HealthReport } from './analyser/report-types.js';
import { type LogSource, type ParseOptions, parseLogs } from './parser/index.js';

/**
 * Parse + judge: streams every source through the parser into the analyser and builds the report. Shared by the
 * CLI (`npm run health`) and the Lambda step. Memory stays constant apart from one record per job and machine.
 */
export interface HealthSettings {
  idleTime: number;
  idleCount: number;
  idleGraceSeconds: number;
  pollingStaleAfterSeconds: number;
}

export interface AnalyseOptions extends Pick<ParseOptions, 's3' | 's3KeyFilter' | 'knownSecrets' | 'signal' | 'year'> {
  /** Epoch ms to judge at; default: the end of the log window (the last event). */
  now?: number;
  onSourceError?: ParseOptions['onSourceError'];
}

export async function analyseLogs(
  specs: readonly (string | LogSource)[],
  settings: HealthSettings,
  opts: AnalyseOptions = {},
): Promise<HealthReport> {
  const analyser = createAnalyser();
  const { now, ...parseOpts } = opts;
  const lineCounts = await parseLogs(specs, analyser.onEvent, parseOpts);
  return analyser.buildReport({ ...settings, lineCounts, ...(now === undefined ? {} : { now }) });
}
