import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { loadRunnerConfig, parseRunnerConfig } from '../../functions/shared/config/index.js';
import { ConfigError } from '../../functions/shared/errors.js';

const minimal = {
  stackName: 'fleet',
  region: 'eu-west-1',
  artifactBucket: 'my-artifacts',
  gitlab: { url: 'https://gitlab.example.com/', tokenParameterName: '/gitlab-runner/token' },
};

function issuesOf(input: unknown): string[] {
  try {
    parseRunnerConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('runner config', () => {
  it('accepts the committed example', () => {
    // Prepare
    const json = JSON.parse(readFileSync('runner.config.json', 'utf8'));
    // Act
    const config = parseRunnerConfig(json);
    // Assess
    expect(config.executor.type).toBe('docker+machine');
    expect(config.network.mode).toBe('create');
  });

  it('fills the field report defaults: docker+machine, IdleCount 0, IdleTime 300, new VPC with IPv6', () => {
    // Act
    const config = parseRunnerConfig(minimal);
    // Assess
    expect(config.gitlab.url).toBe('https://gitlab.example.com');
    expect(config.executor).toMatchObject({ type: 'docker+machine', idleCount: 0, idleTime: 300 });
    expect(config.network).toMatchObject({ mode: 'create', ipv6: true, bastionSubnetCidr: '192.168.0.0/27' });
    expect(config.manager.gitlabRunner.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(config.gitlab.verifyToken).toBe(false);
  });

  it('names the field and the fix for each error', () => {
    // Act
    const issues = issuesOf({
      ...minimal,
      region: 'Ireland',
      executor: { type: 'docker+machine', idleTime: -1, OffPeakIdleCount: 1 },
      network: { mode: 'create', runnerSubnetCidr: '10.0.0.0/24' },
    });
    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^region: must be an AWS region/),
        expect.stringMatching(/^executor\.idleTime: /),
        expect.stringMatching(/^executor: unknown key\(s\) OffPeakIdleCount/),
        expect.stringMatching(/^network\.runnerSubnetCidr: 10\.0\.0\.0\/24 is not inside the VPC CIDR/),
      ]),
    );
  });

  it('says a missing field is required', () => {
    const issues = issuesOf({ ...minimal, gitlab: { url: 'https://gitlab.example.com' } });
    expect(issues).toEqual(['gitlab.tokenParameterName: is required (expected string); add it']);
  });

  it('rejects overlapping subnets', () => {
    const issues = issuesOf({
      ...minimal,
      network: { mode: 'create', bastionSubnetCidr: '192.168.1.0/27', runnerSubnetCidr: '192.168.1.0/24' },
    });
    expect(issues).toEqual([expect.stringMatching(/^network\.runnerSubnetCidr: overlaps bastionSubnetCidr/)]);
  });

  it('requires the ids of an existing network', () => {
    const issues = issuesOf({ ...minimal, network: { mode: 'existing', vpcId: 'vpc-12345678' } });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^network\.bastionSubnetId: /),
        expect.stringMatching(/^network\.availabilityZone: /),
      ]),
    );
  });

  it('reports an unreadable or malformed file as a ConfigError', async () => {
    await expect(loadRunnerConfig('/nonexistent/runner.config.json')).rejects.toThrow(/Cannot read the config file/);
    await expect(loadRunnerConfig('package-lock.json')).rejects.toBeInstanceOf(ConfigError);
  });
});
