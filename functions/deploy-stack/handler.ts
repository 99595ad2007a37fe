import { deployStack } from './deploy-stack.js';

export const handler = deployStack.handler;
