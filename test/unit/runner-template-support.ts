/** Shared helpers of the runner-template tests (not a test file itself). */
import { parseRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';
import type { BastionBootRefs, BuildBastionBoot } from '../../stack/bastion/contract.js';
import { buildRunnerTemplate, configForVariant, type RunnerVariant, runnerVariants } from '../../stack/runner/index.js';
import type { CfnResource, CfnTemplate, CfnValue } from '../../stack/shared/cfn.js';

/** A config in the field report's shape: docker+machine, new VPC with IPv6, GitLab allow-list on. */
export const baseInput = {
  stackName: 'fleet',
  region: 'eu-west-1',
  artifactBucket: 'my-artifacts',
  gitlab: {
    url: 'https://gitlab.example.com',
    tokenParameterName: '/gitlab-runner/fleet/token',
    securityGroupId: 'sg-0123456789abcdef0',
  },
  tags: { team: 'platform' },
};

export function configOf(overrides: Record<string, unknown> = {}): RunnerConfig {
  return parseRunnerConfig({ ...baseInput, ...overrides });
}

export const existingNetwork = {
  mode: 'existing',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  bastionSubnetId: 'subnet-0a1b2c3d4e5f60718',
  runnerSubnetId: 'subnet-0a1b2c3d4e5f60719',
  availabilityZone: 'eu-west-1b',
  bastionSubnetCidr: '10.0.0.0/27',
  runnerSubnetCidr: '10.0.1.0/24',
};

export const autoscalerExecutor = { type: 'docker-autoscaler', maxInstances: 7, rootSizeGiB: 40 };

/** Every variant's template, built from the base config. */
export function variantTemplates(base: RunnerConfig = configOf()): { variant: RunnerVariant; template: CfnTemplate }[] {
  return runnerVariants().map((variant) => ({
    variant,
    template: buildRunnerTemplate(configForVariant(base, variant)),
  }));
}

export function resource(template: CfnTemplate, id: string): CfnResource {
  const r = template.Resources[id];
  if (!r) throw new Error(`template has no resource ${id}`);
  return r;
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** All statements of all inline policies of a role. */
export function roleStatements(template: CfnTemplate, roleId: string): CfnValue[] {
  const policies: CfnValue[] = resource(template, roleId).Properties?.Policies ?? [];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** A stand-in for stack/bastion's builder that records the refs it was given. */
export function recordingBoot(): { build: BuildBastionBoot; refs: BastionBootRefs[] } {
  const refs: BastionBootRefs[] = [];
  const build: BuildBastionBoot = (_config, given) => {
    refs.push(given);
    return {
      metadata: { 'AWS::CloudFormation::Init': { config: { commands: { marker: { command: 'true' } } } } },
      userData: { 'Fn::Base64': 'user-data-marker' },
      creationPolicy: { ResourceSignal: { Count: 1, Timeout: 'PT5M' } },
    };
  };
  return { build, refs };
}
