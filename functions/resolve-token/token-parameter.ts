import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { TokenError } from '../shared/errors.js';
import { redactTokens } from '../shared/redact.js';
import { TokenSourceUnavailableError } from './errors.js';
import { createRunnerHint } from './token-shape.js';

/**
 * Reads the runner token's SSM parameter (GetParameter, decrypted). Refuses anything but a SecureString: a String
 * parameter keeps the token unencrypted and shows it to anyone who may read the parameter or open the console
 * (DESIGN.md section 8), and the manager's IAM policy is written for a SecureString (kms:Decrypt).
 * Errors name the parameter and the fix; the value never appears in them.
 */
export interface TokenParameter {
  name: string;
  version: number;
  /** The decrypted value: stays inside resolve-token (never returned by the step, logged or put in an error). */
  value: string;
}

export async function readTokenParameter(ssm: SSMClient, name: string, region?: string): Promise<TokenParameter> {
  let parameter: { Type?: string; Value?: string; Version?: number } | undefined;
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    parameter = out.Parameter;
  } catch (error) {
    throw readError(error, name, region);
  }
  if (!parameter || typeof parameter.Version !== 'number') {
    throw new TokenSourceUnavailableError(
      'SSM_UNAVAILABLE',
      `SSM answered GetParameter for ${name} without a parameter or version.`,
      'Retry; if it persists, check AWS_ENDPOINT_URL (a stand-in for SSM may answer incompletely).',
    );
  }
  if (parameter.Type !== 'SecureString') {
    throw new TokenError(
      'TOKEN_NOT_SECURE_STRING',
      `The SSM parameter ${name} is of type ${parameter.Type ?? 'unknown'}, not SecureString: the runner token would be stored unencrypted and shown in plain text to anyone who may read the parameter.`,
      `Recreate it as a SecureString (SSM cannot change the type in place): aws ssm delete-parameter --name ${name}, then aws ssm put-parameter --type SecureString --name ${name} --value '<the glrt- token>'. As the token was stored in clear, consider resetting it in GitLab first.`,
    );
  }
  return { name, version: parameter.Version, value: parameter.Value ?? '' };
}

function readError(error: unknown, name: string, region: string | undefined): Error {
  const errorName = (error as Error | undefined)?.name ?? 'Error';
  const inRegion = region ? ` in ${region}` : '';
  if (errorName === 'ParameterNotFound') {
    return new TokenError(
      'TOKEN_PARAMETER_MISSING',
      `The SSM parameter ${name} does not exist${inRegion}.`,
      `Create it with the runner authentication token. ${createRunnerHint(name, region)}`,
    );
  }
  const detail = redactTokens(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  if (errorName === 'AccessDeniedException') {
    return new TokenError(
      'TOKEN_PARAMETER_ACCESS_DENIED',
      `Reading the SSM parameter ${name} was denied: ${detail}`,
      'Allow ssm:GetParameter on this parameter and kms:Decrypt on its KMS key for the role that runs resolve-token.',
    );
  }
  if (errorName === 'InvalidKeyId') {
    return new TokenError(
      'TOKEN_PARAMETER_KMS_KEY',
      `The KMS key of the SSM parameter ${name} cannot decrypt it: ${detail}`,
      'The parameter is encrypted with a disabled, deleted or foreign KMS key: store the token again with a key this account can use.',
    );
  }
  return new TokenSourceUnavailableError(
    'SSM_UNAVAILABLE',
    `Could not read the SSM parameter ${name}${inRegion}: ${detail}`,
    'This is usually transient (throttling, a 5xx of SSM, the network): retry the step. If it persists, check the region, AWS_ENDPOINT_URL and credentials.',
  );
}
