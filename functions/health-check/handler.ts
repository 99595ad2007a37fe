import { healthCheckStep } from './health-check.js';

export const handler = healthCheckStep.handler;
