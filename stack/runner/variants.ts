import { parseRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';

export type RunnerVariant = {
  executor: 'docker-machine' | 'docker-autoscaler';
  network: 'create' | 'existing';
  ipv6: boolean;
  fileName: string;
};

/** Example ids of the existing-network variants (the template takes them as parameter defaults; override them). */
export const EXAMPLE_EXISTING_NETWORK = {
  vpcId: 'vpc-0123456789abcdef0',
  bastionSubnetId: 'subnet-0123456789abcdef0',
  runnerSubnetId: 'subnet-0123456789abcdef1',
  zoneLetter: 'a',
} as const;

/** All 8 template variants: executor x network mode x IPv6, in a fixed order. */
export function runnerVariants(): RunnerVariant[] {
  const variants: RunnerVariant[] = [];
  for (const executor of ['docker-machine', 'docker-autoscaler'] as const) {
    for (const network of ['create', 'existing'] as const) {
      for (const ipv6 of [true, false]) {
        variants.push({
          executor,
          network,
          ipv6,
          fileName: `runner-${executor}-${network}-${ipv6 ? 'ipv6' : 'ipv4'}.json`,
        });
      }
    }
  }
  return variants;
}

function executorFor(base: RunnerConfig, v: RunnerVariant): unknown {
  const current = base.executor;
  const wanted = v.executor === 'docker-machine' ? 'docker+machine' : 'docker-autoscaler';
  if (current.type === wanted) return current;
  // Switching executor: keep what both executors share, let the schema default the rest.
  const shared = {
    instanceType: current.instanceType,
    rootSizeGiB: current.rootSizeGiB,
    spot: current.spot,
    idleCount: current.idleCount,
    idleTime: current.idleTime,
  };
  return current.type === 'docker+machine'
    ? { type: 'docker-autoscaler', ...shared, maxInstances: current.limit }
    : { type: 'docker+machine', ...shared, limit: current.maxInstances };
}

function networkFor(base: RunnerConfig, v: RunnerVariant): unknown {
  const current = base.network;
  if (current.mode === v.network) return { ...current, ipv6: v.ipv6 };
  if (v.network === 'create') return { mode: 'create', ipv6: v.ipv6 };
  if (current.mode !== 'create') throw new Error('unreachable: network mode is neither create nor existing');
  return {
    mode: 'existing',
    vpcId: EXAMPLE_EXISTING_NETWORK.vpcId,
    bastionSubnetId: EXAMPLE_EXISTING_NETWORK.bastionSubnetId,
    runnerSubnetId: EXAMPLE_EXISTING_NETWORK.runnerSubnetId,
    availabilityZone: `${base.region}${EXAMPLE_EXISTING_NETWORK.zoneLetter}`,
    bastionSubnetCidr: current.bastionSubnetCidr,
    runnerSubnetCidr: current.runnerSubnetCidr,
    ipv6: v.ipv6,
  };
}

/**
 * The base config turned into one variant, validated again by the schema. Switching to an existing network from a
 * created one fills in example ids (vpc-0123456789abcdef0 ...) and no NAT address (so no NAT allow-list rule).
 */
export function configForVariant(base: RunnerConfig, v: RunnerVariant): RunnerConfig {
  return parseRunnerConfig(
    { ...base, network: networkFor(base, v), executor: executorFor(base, v) },
    `config of variant ${v.fileName}`,
  );
}
