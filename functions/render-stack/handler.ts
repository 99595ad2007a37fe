import { renderStackStep } from './render-stack.js';

export const handler = renderStackStep.handler;
