#!/bin/bash
# gitlab-runner-orchestrator: writes gitlab-runner's config.toml on the manager, then restarts the runner.
#
# Reads the runner authentication token from SSM Parameter Store (name and version from the env file, region
# from IMDSv2), checks it, puts it in place of the placeholder of the rendered template and writes config.toml
# atomically (mode 0600). The token only ever lives in this shell's memory and in config.toml: it is never echoed and
# never passed on a command line (substitution is bash parameter expansion, the write is the printf builtin).
# The restart matters: a runner that got 403s disables itself for an hour, and a restart clears that.
#
# Run by cfn-init (configSets setup and update). Overrides for tests: GRO_CONFIG_DIR, GRO_TEMPLATE,
# GRO_ENV_FILE, GRO_IMDS_URL.
set -euo pipefail
umask 077
shopt -u patsub_replacement 2>/dev/null || true

config_dir="${GRO_CONFIG_DIR:-/etc/gitlab-runner}"
template="${GRO_TEMPLATE:-/etc/gitlab-runner-orchestrator/config.toml.tmpl}"
env_file="${GRO_ENV_FILE:-/etc/gitlab-runner-orchestrator/bootstrap.env}"
imds="${GRO_IMDS_URL:-http://169.254.169.254}"
token_placeholder='__RUNNER_AUTH_TOKEN__'
parent_placeholder='__PARENT_INSTANCE_ID__'

log() { printf 'write-config: %s\n' "$*" >&2; }
fail() {
  log "ERROR: $*"
  exit 1
}

# The env file holds KEY=VALUE lines; it is parsed, not sourced.
token_parameter_name=''
token_parameter_version=''
[[ -r "$env_file" ]] || fail "cannot read $env_file; re-run cfn-init (configSet setup) to write it"
while IFS='=' read -r key value || [[ -n "$key" ]]; do
  case "$key" in
  TOKEN_PARAMETER_NAME) token_parameter_name="$value" ;;
  TOKEN_PARAMETER_VERSION) token_parameter_version="$value" ;;
  esac
done <"$env_file"
[[ -n "$token_parameter_name" ]] || fail "TOKEN_PARAMETER_NAME is missing in $env_file"

[[ -r "$template" ]] || fail "cannot read the config template $template; re-run cfn-init"
template_text=''
IFS= read -r -d '' template_text <"$template" || true
[[ "$template_text" == *"$token_placeholder"* ]] || fail "$template has no $token_placeholder placeholder"

imds_session="$(curl -fsS --max-time 5 --retry 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' \
  "$imds/latest/api/token")" || fail 'cannot get an IMDSv2 session token (is the metadata service reachable?)'
region="$(curl -fsS --max-time 5 --retry 3 -H "X-aws-ec2-metadata-token: $imds_session" \
  "$imds/latest/meta-data/placement/region")" || fail 'cannot read the region from IMDSv2'
instance_id="$(curl -fsS --max-time 5 --retry 3 -H "X-aws-ec2-metadata-token: $imds_session" \
  "$imds/latest/meta-data/instance-id")" || fail 'cannot read the instance id from IMDSv2'

# The version the stack was deployed with (and resolve-token checked); the latest one only when none is given.
parameter_selector="$token_parameter_name"
if [[ "$token_parameter_version" =~ ^[0-9]+$ ]]; then
  parameter_selector="$token_parameter_name:$token_parameter_version"
fi
log "reading the runner token from SSM parameter $parameter_selector in $region"
# `&& printf x` keeps a trailing newline of the value visible (command substitution strips newlines); the
# CLI's text output adds exactly one, removed below.
token="$(aws ssm get-parameter --with-decryption --name "$parameter_selector" --region "$region" \
  --query Parameter.Value --output text && printf x)" ||
  fail "aws ssm get-parameter failed for $parameter_selector; check that it exists in $region and that the manager role may ssm:GetParameter it and kms:Decrypt its key"
token="${token%x}"
token="${token%$'\n'}"

if [[ -z "$token" || "$token" == "None" ]]; then
  fail "the SSM parameter $token_parameter_name is empty; put the runner authentication token (glrt-...) in it"
fi
if [[ "$token" =~ [[:space:][:cntrl:]] ]]; then
  fail "the value of $token_parameter_name contains whitespace or a newline; store the bare token (no quotes, no trailing newline)"
fi
if [[ "$token" == GR1348941* ]]; then
  fail "the value of $token_parameter_name is a registration token (GR1348941...); registration tokens cannot run jobs and are being removed from GitLab. Create a runner in GitLab (Settings > CI/CD > Runners, or POST /api/v4/user/runners) and store its runner authentication token (glrt-...)"
fi
if [[ "$token" != glrt-* && "$token" =~ ^[A-Za-z0-9_-]{20}$ ]]; then
  fail "the value of $token_parameter_name has the shape of a legacy registration token (20 characters, no prefix); a runner authentication token (glrt-...) is needed: create a runner in GitLab and store its token"
fi
if [[ "$token" == *'"'* || "$token" == *'\'* || "$token" == "$token_placeholder" ]]; then
  fail "the value of $token_parameter_name is not a runner token (it holds quotes, backslashes or the placeholder); store the runner authentication token (glrt-...)"
fi
if [[ "$token" != glrt-* ]]; then
  log "WARNING: the token does not start with glrt-; using it as is (a custom token prefix?)"
fi

config_text="${template_text//"$token_placeholder"/"$token"}"
config_text="${config_text//"$parent_placeholder"/"$instance_id"}"
unset token

mkdir -p -- "$config_dir"
tmp_file="$(mktemp -- "$config_dir/.config.toml.XXXXXX")"
trap 'rm -f -- "$tmp_file"' EXIT
printf '%s' "$config_text" >"$tmp_file"
unset config_text
chmod 600 -- "$tmp_file"
mv -f -- "$tmp_file" "$config_dir/config.toml"
trap - EXIT
log "wrote $config_dir/config.toml (mode 600)"

systemctl restart gitlab-runner || fail 'systemctl restart gitlab-runner failed; see journalctl -u gitlab-runner'
log 'restarted gitlab-runner'
