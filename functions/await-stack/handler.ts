import { awaitStack } from './await-stack.js';

export const handler = awaitStack.handler;
