export { type Analyser, createAnalyser } from './analyser.js';
export type * from './report-types.js';
