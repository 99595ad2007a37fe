import { resolveTokenStep } from './resolve-token.js';

export const handler = resolveTokenStep.handler;
