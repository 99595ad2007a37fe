import type { RunnerConfig } from '../shared/config/schema.js';
import type { HealthSettings } from './analyse-logs.js';

/**
 * The thresholds of a runner config. docker+machine `[[runners.machine.autoscaling]]` periods (and docker-autoscaler
 * policies) may keep machines longer at some hours; without evaluating their cron, the check uses the most lenient
 * IdleTime and IdleCount of all of them, so a period that allows longer idling never reads as a violation.
 */
export const DEFAULT_HEALTH_SETTINGS: HealthSettings = {
  idleTime: 300,
  idleCount: 0,
  idleGraceSeconds: 180,
  pollingStaleAfterSeconds: 900,
};

export function healthSettingsFromConfig(config: RunnerConfig): HealthSettings {
  const ex = config.executor;
  const periods =
    ex.type === 'docker+machine'
      ? ex.autoscaling.map((p) => ({ idleTime: p.idleTime, idleCount: p.idleCount }))
      : ex.policies.map((p) => ({ idleTime: p.idleTimeSeconds, idleCount: p.idleCount }));
  return {
    idleTime: Math.max(ex.idleTime, ...periods.map((p) => p.idleTime)),
    idleCount: Math.max(ex.idleCount, ...periods.map((p) => p.idleCount)),
    idleGraceSeconds: config.healthCheck.idleGraceSeconds,
    pollingStaleAfterSeconds: config.healthCheck.pollingStaleAfterSeconds,
  };
}
