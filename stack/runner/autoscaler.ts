import type { CfnResource, CfnValue } from '../shared/cfn.js';
import { getAtt, ref, tagList } from '../shared/cfn.js';
import { type RunnerStackContext, resourceTags, tagMap } from './context.js';

/** Root device of the default images (Amazon Linux / ECS-optimized AL2023). */
const RUNNER_ROOT_DEVICE = '/dev/xvda';

/**
 * docker-autoscaler: a launch template and an Auto Scaling group the fleeting plugin drives. The runner owns the
 * desired capacity (no DesiredCapacity here, no scaling policy), instances are protected from scale-in so only the
 * runner removes them, and capacity rebalancing is off (it would replace machines that are running jobs).
 */
export function autoscalerResources(ctx: RunnerStackContext): Record<string, CfnResource> {
  const { config } = ctx;
  const executor = config.executor;
  if (executor.type !== 'docker-autoscaler') return {};
  const machineTags = resourceTags(config, 'runner-machine');
  const marketOptions: CfnValue = executor.spot.enabled
    ? {
        InstanceMarketOptions: {
          MarketType: 'spot',
          ...(executor.spot.maxPrice ? { SpotOptions: { MaxPrice: executor.spot.maxPrice } } : {}),
        },
      }
    : {};
  return {
    RunnerLaunchTemplate: {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: {
        LaunchTemplateData: {
          ImageId: ref('RunnerImageId'),
          InstanceType: executor.instanceType,
          IamInstanceProfile: { Arn: getAtt('RunnerInstanceProfile', 'Arn') },
          SecurityGroupIds: [getAtt('RunnersSecurityGroup', 'GroupId')],
          // IMDSv2 only; hop limit 2 so that job containers (one hop further) still reach the metadata service.
          MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
          BlockDeviceMappings: [
            {
              DeviceName: RUNNER_ROOT_DEVICE,
              Ebs: { VolumeType: 'gp3', VolumeSize: executor.rootSizeGiB, Encrypted: true, DeleteOnTermination: true },
            },
          ],
          ...marketOptions,
          TagSpecifications: [
            { ResourceType: 'instance', Tags: machineTags },
            { ResourceType: 'volume', Tags: machineTags },
          ],
        },
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: resourceTags(config, 'runners') }],
      },
    },
    RunnerAutoScalingGroup: {
      Type: 'AWS::AutoScaling::AutoScalingGroup',
      Properties: {
        LaunchTemplate: {
          LaunchTemplateId: ref('RunnerLaunchTemplate'),
          Version: getAtt('RunnerLaunchTemplate', 'LatestVersionNumber'),
        },
        MinSize: '0',
        MaxSize: String(executor.maxInstances),
        VPCZoneIdentifier: [ctx.runnerSubnetId],
        NewInstancesProtectedFromScaleIn: true,
        CapacityRebalance: false,
        // The launch template tags the machines; these tags are the group's own.
        Tags: tagList(tagMap(config, 'runners')).map((tag) => ({ ...tag, PropagateAtLaunch: false })),
      },
    },
  };
}
