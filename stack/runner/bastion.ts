import type { BastionBoot } from '../bastion/contract.js';
import type { CfnResource } from '../shared/cfn.js';
import { getAtt, ref } from '../shared/cfn.js';
import { type RunnerStackContext, resourceTags } from './context.js';
import { networkReadyDependencies } from './network.js';
import { egressAll } from './runners.js';

/** Logical id of the runner manager instance (cfn-init, cfn-signal and cfn-hup address it by this name). */
export const BASTION_INSTANCE_ID = 'BastionInstance';

/** Root device of Amazon Linux 2023, the manager's image family (cfn-init, systemd, awscli). */
const MANAGER_ROOT_DEVICE = '/dev/xvda';
/** gitlab-runner, docker-machine, its certificates and the journal until shipped: 16 GiB leaves room. */
const MANAGER_ROOT_GIB = 16;

/**
 * The runner manager ("bastion"): its security group (no inbound at all: Session Manager instead of SSH), the
 * instance with stack/bastion's Metadata, UserData and CreationPolicy, and its Elastic IP. The EIP is a resource of
 * its own, associated separately, so the GitLab allow-list rule for it exists before the manager boots.
 */
export function bastionResources(ctx: RunnerStackContext, boot: BastionBoot): Record<string, CfnResource> {
  const { config } = ctx;
  const dependsOn = networkReadyDependencies(ctx);
  return {
    BastionSecurityGroup: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: 'GitLab Runner manager: no inbound (SSM Session Manager), all outbound',
        VpcId: ctx.vpcId,
        SecurityGroupEgress: egressAll(ctx.ipv6),
        Tags: resourceTags(config, 'bastion'),
      },
    },
    BastionEIP: {
      Type: 'AWS::EC2::EIP',
      Properties: { Domain: 'vpc', Tags: resourceTags(config, 'bastion') },
    },
    BastionEIPAssociation: {
      Type: 'AWS::EC2::EIPAssociation',
      Properties: { AllocationId: getAtt('BastionEIP', 'AllocationId'), InstanceId: ref(BASTION_INSTANCE_ID) },
    },
    [BASTION_INSTANCE_ID]: {
      Type: 'AWS::EC2::Instance',
      ...(dependsOn.length > 0 ? { DependsOn: dependsOn } : {}),
      CreationPolicy: boot.creationPolicy,
      Metadata: boot.metadata,
      Properties: {
        ImageId: ref('ManagerImageId'),
        InstanceType: config.manager.instanceType,
        IamInstanceProfile: ref('BastionInstanceProfile'),
        SubnetId: ctx.bastionSubnetId,
        SecurityGroupIds: [getAtt('BastionSecurityGroup', 'GroupId')],
        ...(config.manager.keyPairName ? { KeyName: config.manager.keyPairName } : {}),
        MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [
          {
            DeviceName: MANAGER_ROOT_DEVICE,
            Ebs: { VolumeType: 'gp3', VolumeSize: MANAGER_ROOT_GIB, Encrypted: true, DeleteOnTermination: true },
          },
        ],
        PropagateTagsToVolumeOnCreation: true,
        UserData: boot.userData,
        Tags: resourceTags(config, 'bastion'),
      },
    },
  };
}
