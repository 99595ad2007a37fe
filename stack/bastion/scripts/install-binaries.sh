#!/bin/bash
# gitlab-runner-orchestrator: installs the pinned gitlab-runner (and, for docker+machine, GitLab's docker-machine
# fork) on the manager, each verified by SHA-256 before it replaces anything.
#
#   gitlab-runner:  checked against the release's published release.sha256 AND against RUNNER_SHA256 when set.
#   docker-machine: GitLab publishes no checksum for its fork; checked against DOCKER_MACHINE_SHA256 when set,
#                   otherwise a WARNING line goes to cfn-init's output.
# Idempotent: a binary that already reports the pinned version (and matches the pin, when one is set) is kept,
# so cfn-hup updates download nothing unless a version changed.
#
# Inputs (cfn-init command env): EXECUTOR, RUNNER_VERSION, RUNNER_SHA256, DOCKER_MACHINE_VERSION,
# DOCKER_MACHINE_SHA256. Overrides for tests: GRO_BIN_DIR, GRO_RUNNER_DOWNLOADS, GRO_DOCKER_MACHINE_DOWNLOADS.
set -euo pipefail
umask 022

bin_dir="${GRO_BIN_DIR:-/usr/local/bin}"
runner_downloads="${GRO_RUNNER_DOWNLOADS:-https://gitlab-runner-downloads.s3.amazonaws.com}"
machine_downloads="${GRO_DOCKER_MACHINE_DOWNLOADS:-https://gitlab-docker-machine-downloads.s3.amazonaws.com}"
executor="${EXECUTOR:?EXECUTOR must be docker+machine or docker-autoscaler}"
runner_version="${RUNNER_VERSION:?RUNNER_VERSION is required}"
runner_sha256="${RUNNER_SHA256:-}"
machine_version="${DOCKER_MACHINE_VERSION:-}"
machine_sha256="${DOCKER_MACHINE_SHA256:-}"

log() { printf 'install-binaries: %s\n' "$*"; }
fail() {
  printf 'install-binaries: ERROR: %s\n' "$*" >&2
  exit 1
}

work_dir="$(mktemp -d)"
trap 'rm -rf -- "$work_dir"' EXIT

download() { # url dest
  curl -fsSL --retry 5 --retry-delay 2 --retry-connrefused -o "$2" "$1" || fail "download failed: $1"
}

sha256_of() { sha256sum -- "$1" | awk '{print $1}'; }

# Installs $1 (verified file) as $bin_dir/$2 atomically: a running copy keeps its inode.
put_in_place() {
  install -m 0755 -- "$1" "$bin_dir/.$2.new"
  mv -f -- "$bin_dir/.$2.new" "$bin_dir/$2"
}

# Version the installed binary reports: gitlab-runner prints "Version:      18.6.2", docker-machine
# "docker-machine version 0.16.2-gitlab.40, build …".
installed_version() { # name
  local path="$bin_dir/$1"
  [[ -x "$path" ]] || return 0
  "$path" --version 2>/dev/null | awk '
    $1 == "Version:" { print $2; exit }
    $1 == "docker-machine" && $2 == "version" { v = $3; sub(/,$/, "", v); print v; exit }' || true
}

installed_matches() { # name version pin
  [[ "$(installed_version "$1")" == "$2" ]] || return 1
  [[ -z "$3" || "$(sha256_of "$bin_dir/$1")" == "$3" ]]
}

install_runner() {
  if installed_matches gitlab-runner "$runner_version" "$runner_sha256"; then
    log "gitlab-runner $runner_version already installed"
    return
  fi
  local base="$runner_downloads/v$runner_version"
  download "$base/binaries/gitlab-runner-linux-amd64" "$work_dir/gitlab-runner"
  download "$base/release.sha256" "$work_dir/release.sha256"
  # Lines are "<sha256>  <path>", the path as binaries/…, ./binaries/… or *binaries/….
  local published
  published="$(awk '{ f = $2; sub(/^\*/, "", f); sub(/^\.\//, "", f); if (f == "binaries/gitlab-runner-linux-amd64") print $1 }' \
    "$work_dir/release.sha256")"
  [[ "$published" =~ ^[0-9a-f]{64}$ ]] ||
    fail "release.sha256 of v$runner_version lists no single checksum for binaries/gitlab-runner-linux-amd64"
  local actual
  actual="$(sha256_of "$work_dir/gitlab-runner")"
  [[ "$actual" == "$published" ]] ||
    fail "gitlab-runner v$runner_version: SHA-256 $actual does not match the published $published; not installed"
  if [[ -n "$runner_sha256" && "$actual" != "$runner_sha256" ]]; then
    fail "gitlab-runner v$runner_version: SHA-256 $actual does not match manager.gitlabRunner.sha256 $runner_sha256 in the config; not installed"
  fi
  put_in_place "$work_dir/gitlab-runner" gitlab-runner
  log "installed gitlab-runner $runner_version (sha256 $actual)"
}

install_docker_machine() {
  [[ -n "$machine_version" ]] || fail 'DOCKER_MACHINE_VERSION is required for docker+machine'
  if installed_matches docker-machine "$machine_version" "$machine_sha256"; then
    log "docker-machine $machine_version already installed"
    return
  fi
  download "$machine_downloads/v$machine_version/docker-machine-Linux-x86_64" "$work_dir/docker-machine"
  local actual
  actual="$(sha256_of "$work_dir/docker-machine")"
  if [[ -n "$machine_sha256" ]]; then
    [[ "$actual" == "$machine_sha256" ]] ||
      fail "docker-machine v$machine_version: SHA-256 $actual does not match executor.dockerMachine.sha256 $machine_sha256 in the config; not installed"
  else
    log "WARNING: docker-machine v$machine_version is not pinned by checksum (GitLab publishes none); installed with SHA-256 $actual, verified only by TLS. Set executor.dockerMachine.sha256 to that value after checking it."
  fi
  put_in_place "$work_dir/docker-machine" docker-machine
  log "installed docker-machine $machine_version (sha256 $actual)"
}

mkdir -p -- "$bin_dir"
install_runner
case "$executor" in
docker+machine) install_docker_machine ;;
docker-autoscaler) ;; # the fleeting plugin is installed by `gitlab-runner fleeting install`
*) fail "unknown EXECUTOR $executor" ;;
esac
