import { cfnVar } from './cfn-text.js';
import { LOG_PREFIX } from './contract.js';
import { cfnInitCommand } from './manager-files.js';
import { MANAGER_PATHS as P } from './paths.js';

/**
 * UserData of the manager: cfn-init (configSet `setup`), its exit code kept, the logs shipped once so a
 * failed create leaves cfn-init's log in the log bucket, then `cfn-signal -e <rc>`. Holds nothing that
 * changes with the config or the token, so updates never touch it (they go through cfn-hup).
 * If the shipper is missing or fails (cfn-init died before writing it), a minimal fallback uploads the
 * cfn-init logs in the same wrapped format under the same key layout.
 */
export function userDataScript(instanceLogicalId: string): string {
  const stack = cfnVar('AWS::StackName');
  const region = cfnVar('AWS::Region');
  return `#!/bin/bash
# gitlab-runner-orchestrator: boots the runner manager; see stack/bastion/user-data.ts.
set -uo pipefail
export LOG_BUCKET='${cfnVar('LogBucket')}' STACK_NAME='${stack}' AWS_REGION='${region}'

if [ ! -x /opt/aws/bin/cfn-init ]; then
  dnf install -y aws-cfn-bootstrap || yum install -y aws-cfn-bootstrap
fi

${cfnInitCommand(instanceLogicalId, 'setup')}
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "cfn-init (configSet setup) failed with exit code $rc; /var/log/cfn-init.log goes to s3://$LOG_BUCKET/${LOG_PREFIX}/"
fi

ship_cfn_init_logs_fallback() {
  local imds=http://169.254.169.254 session id now key
  session="$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$imds/latest/api/token")" || return 1
  id="$(curl -fsS -H "X-aws-ec2-metadata-token: $session" "$imds/latest/meta-data/instance-id")" || return 1
  now="$(date -u +%s)"
  key="${LOG_PREFIX}/$STACK_NAME/$id/$(date -u -d "@$now" +%Y/%m/%d/%H)/$now.log.gz"
  python3 - <<'PY' | gzip -c | aws s3 cp - "s3://$LOG_BUCKET/$key" --region "$AWS_REGION" --only-show-errors
import datetime, json, re
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
secret = re.compile(r"\\b(glrtr?-|glcbt-|glpat-|GR1348941)[A-Za-z0-9_.-]{4,}")
for path in ("/var/log/cfn-init.log", "/var/log/cfn-init-cmd.log"):
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.strip():
                    msg = secret.sub("[REDACTED]", line.rstrip("\\r\\n"))
                    print(json.dumps({"time": now, "level": "info", "msg": msg, "source": "cfn-init"}))
    except OSError:
        pass
PY
}

if ! /usr/bin/python3 ${P.logShipper}; then
  ship_cfn_init_logs_fallback || echo "could not ship the cfn-init logs to s3://$LOG_BUCKET"
fi

/opt/aws/bin/cfn-signal -e "$rc" --stack ${stack} --resource ${instanceLogicalId} --region ${region}
`;
}
