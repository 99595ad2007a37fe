import { describe, expect, it } from '@jest/globals';
import { buildRunnerTemplate } from '../../stack/runner/index.js';
import { autoscalerExecutor, configOf, existingNetwork, resource } from './runner-template-support.js';

describe('runner template docker-autoscaler', () => {
  const template = buildRunnerTemplate(configOf({ executor: autoscalerExecutor }));

  it('lets the runner own the group: min 0, max from config, no desired capacity, scale-in protected, no rebalance', () => {
    // Act
    const group = resource(template, 'RunnerAutoScalingGroup').Properties;
    // Assess
    expect(group).toMatchObject({
      MinSize: '0',
      MaxSize: '7',
      NewInstancesProtectedFromScaleIn: true,
      CapacityRebalance: false,
      VPCZoneIdentifier: [{ Ref: 'RunnerSubnet' }],
      LaunchTemplate: {
        LaunchTemplateId: { Ref: 'RunnerLaunchTemplate' },
        Version: { 'Fn::GetAtt': ['RunnerLaunchTemplate', 'LatestVersionNumber'] },
      },
    });
    expect(group).not.toHaveProperty('DesiredCapacity');
  });

  it('launches from the runner image, type, security group and profile with an encrypted gp3 root', () => {
    // Act
    const data = resource(template, 'RunnerLaunchTemplate').Properties?.LaunchTemplateData;
    // Assess
    expect(data).toMatchObject({
      ImageId: { Ref: 'RunnerImageId' },
      InstanceType: 't3.medium',
      IamInstanceProfile: { Arn: { 'Fn::GetAtt': ['RunnerInstanceProfile', 'Arn'] } },
      SecurityGroupIds: [{ 'Fn::GetAtt': ['RunnersSecurityGroup', 'GroupId'] }],
    });
    expect(data.BlockDeviceMappings).toEqual([
      expect.objectContaining({
        Ebs: { VolumeType: 'gp3', VolumeSize: 40, Encrypted: true, DeleteOnTermination: true },
      }),
    ]);
    expect(data.TagSpecifications.map((t: { ResourceType: string }) => t.ResourceType)).toEqual(['instance', 'volume']);
  });

  it('buys spot capacity only when spot is on', () => {
    // Prepare
    const spot = buildRunnerTemplate(
      configOf({ executor: { ...autoscalerExecutor, spot: { enabled: true, maxPrice: '0.05' } } }),
    );
    // Act
    const onDemandData = resource(template, 'RunnerLaunchTemplate').Properties?.LaunchTemplateData;
    const spotData = resource(spot, 'RunnerLaunchTemplate').Properties?.LaunchTemplateData;
    // Assess
    expect(onDemandData.InstanceMarketOptions).toBeUndefined();
    expect(spotData.InstanceMarketOptions).toEqual({ MarketType: 'spot', SpotOptions: { MaxPrice: '0.05' } });
  });

  it('places the group in the existing runner subnet parameter in existing mode', () => {
    // Prepare
    const existing = buildRunnerTemplate(configOf({ executor: autoscalerExecutor, network: existingNetwork }));
    // Act
    const subnets = resource(existing, 'RunnerAutoScalingGroup').Properties?.VPCZoneIdentifier;
    // Assess
    expect(subnets).toEqual([{ Ref: 'RunnerSubnetId' }]);
  });

  it('creates no launch template or group for docker+machine', () => {
    // Act
    const ids = Object.keys(buildRunnerTemplate(configOf()).Resources);
    // Assess
    expect(ids).not.toContain('RunnerLaunchTemplate');
    expect(ids).not.toContain('RunnerAutoScalingGroup');
  });
});
