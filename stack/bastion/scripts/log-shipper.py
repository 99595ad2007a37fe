#!/usr/bin/python3
"""gitlab-runner-orchestrator log shipper (runs on the manager every minute; python3 stdlib only).

Each run uploads ONE gzip object to
  s3://<LOG_BUCKET>/<LOG_PREFIX>/<STACK_NAME>/<instance-id>/YYYY/MM/DD/HH/<epoch>.log.gz
holding, one line each:
  * new lines of /var/log/cfn-init.log and /var/log/cfn-init-cmd.log since the last run (offsets persisted),
    wrapped as {"time","level":"info","msg":<line>,"source":"cfn-init"};
  * new gitlab-runner journal lines since the last run (journalctl -o short-iso, cursor persisted);
  * exactly one metrics snapshot (DESIGN.md section 5) built from the runner's Prometheus endpoint, or the
    snapshot line with "error":"metrics endpoint unreachable" when it does not answer.
Anything that looks like a GitLab token is redacted before it is written. The state (cursor, offsets) is only
saved after a successful upload, so a failed upload is retried by the next run, not lost.

Settings come from the environment, else from the env file cfn-init writes: LOG_BUCKET, STACK_NAME,
LOG_PREFIX (runner-logs), EXECUTOR, AWS_REGION. Overrides for tests: GRO_ENV_FILE, GRO_STATE_DIR,
GRO_JOURNALCTL, GRO_AWS, GRO_METRICS_URL, GRO_IMDS_URL, GRO_INSTANCE_ID, GRO_CFN_INIT_LOGS (':'-separated).
Compatible with python 3.9 (Amazon Linux 2023).
"""
from __future__ import annotations

import datetime
import fcntl
import gzip
import json
import math
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

ENV_FILE = os.environ.get("GRO_ENV_FILE", "/etc/gitlab-runner-orchestrator/bootstrap.env")
STATE_DIR = os.environ.get("GRO_STATE_DIR", "/var/lib/gitlab-runner-log-shipper")
JOURNALCTL = os.environ.get("GRO_JOURNALCTL", "journalctl")
AWS = os.environ.get("GRO_AWS", "aws")
METRICS_URL = os.environ.get("GRO_METRICS_URL", "http://127.0.0.1:9252/metrics")
IMDS_URL = os.environ.get("GRO_IMDS_URL", "http://169.254.169.254")
CFN_INIT_LOGS = [
    p for p in os.environ.get("GRO_CFN_INIT_LOGS", "/var/log/cfn-init.log:/var/log/cfn-init-cmd.log").split(":") if p
]
JOURNAL_UNIT = "gitlab-runner"
FIRST_RUN_MAX_JOURNAL_LINES = "50000"

# Same shapes as functions/shared/redact.ts.
REDACTED = "[REDACTED]"
PREFIXED = re.compile(r"\b(glrtr?-|glcbt-|glpat-|glptt-|gldt-|GR1348941)[A-Za-z0-9_.-]{4,}")
ASSIGNMENT = re.compile(r"((?:private_|runner_|registration_|auth_)?token[\"']?\s*[=:]\s*[\"']?)([^\s\"'&,}]{4,})", re.I)
V11_UNHEALTHY = re.compile(r"(Runner https?://[^\s]*?/)([A-Za-z0-9_-]{16,})( is not healthy)")

JOURNAL_ANNOTATION = re.compile(r"^-- .* --$")
CFN_INIT_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}),(\d{3}) ")
PROM_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$")
PROM_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')

# Local endpoints (IMDS, the runner's metrics) must never go through an HTTP proxy.
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def redact(text: str) -> str:
    text = PREFIXED.sub(REDACTED, text)
    text = V11_UNHEALTHY.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
    return ASSIGNMENT.sub(lambda m: m.group(1) + REDACTED, text)


def rfc3339(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shipper_line(now: float, level: str, msg: str) -> str:
    return json.dumps({"time": rfc3339(now), "level": level, "msg": msg, "source": "log-shipper"}, separators=(",", ":"))


def load_settings() -> dict:
    settings = {}
    try:
        with open(ENV_FILE, encoding="utf-8") as f:
            for raw in f:
                key, sep, value = raw.rstrip("\n").partition("=")
                if sep and not key.startswith("#"):
                    settings[key.strip()] = value.strip()
    except OSError:
        pass
    for key in ("LOG_BUCKET", "STACK_NAME", "LOG_PREFIX", "EXECUTOR", "AWS_REGION"):
        if os.environ.get(key):
            settings[key] = os.environ[key]
    settings.setdefault("LOG_PREFIX", "runner-logs")
    return settings


def imds_get(path: str) -> str:
    token_req = urllib.request.Request(
        IMDS_URL + "/latest/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}
    )
    token = LOCAL.open(token_req, timeout=3).read().decode()
    req = urllib.request.Request(IMDS_URL + path, headers={"X-aws-ec2-metadata-token": token})
    return LOCAL.open(req, timeout=3).read().decode().strip()


def load_state() -> dict:
    try:
        with open(os.path.join(STATE_DIR, "state.json"), encoding="utf-8") as f:
            state = json.load(f)
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def save_state(state: dict) -> None:
    path = os.path.join(STATE_DIR, "state.json")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f)
    os.replace(tmp, path)


def collect_cfn_init(offsets: dict, now: float, out: list) -> dict:
    """Appends new complete lines of the cfn-init logs; returns the offsets to save after the upload."""
    new_offsets = {}
    for path in CFN_INIT_LOGS:
        try:
            st = os.stat(path)
        except OSError:
            continue
        previous = offsets.get(path) or {}
        offset = previous.get("offset", 0)
        if previous.get("inode") != st.st_ino or st.st_size < offset:
            offset = 0  # rotated or truncated: start over
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
        complete = data[: data.rfind(b"\n") + 1]  # a partial last line waits for the next run
        for raw in complete.decode("utf-8", "replace").splitlines():
            line = raw.rstrip("\r")
            if line.strip():
                out.append(wrap_cfn_init_line(line, now))
        new_offsets[path] = {"inode": st.st_ino, "offset": offset + len(complete)}
    return new_offsets


def wrap_cfn_init_line(line: str, now: float) -> str:
    match = CFN_INIT_TIME.match(line)
    # cfn-init writes "2024-05-14 09:20:06,123 [INFO] …" in the instance's zone, UTC on Amazon Linux.
    stamp = "%sT%s.%sZ" % match.groups() if match else rfc3339(now)
    return json.dumps(
        {"time": stamp, "level": "info", "msg": redact(line), "source": "cfn-init"}, separators=(",", ":")
    )


def collect_journal(cursor: str | None, now: float, out: list) -> str | None:
    """Appends new gitlab-runner journal lines; returns the cursor to save after the upload."""
    args = [JOURNALCTL, "-u", JOURNAL_UNIT, "-o", "short-iso", "--no-pager", "--show-cursor"]
    first_run = ["-b", "-n", FIRST_RUN_MAX_JOURNAL_LINES]
    try:
        result = run_journalctl(args + (["--after-cursor", cursor] if cursor else first_run))
        if result.returncode != 0 and cursor:
            out.append(shipper_line(now, "warning", "journal cursor not usable; reading the current boot again"))
            result = run_journalctl(args + first_run)
    except (OSError, subprocess.SubprocessError) as error:
        out.append(shipper_line(now, "error", redact("journalctl failed: %s" % error)))
        return cursor
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        out.append(shipper_line(now, "error", redact("journalctl exited %d: %s" % (result.returncode, message))))
        return cursor
    new_cursor = cursor
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("-- cursor: "):
            new_cursor = line[len("-- cursor: ") :].strip()
        elif line and not JOURNAL_ANNOTATION.match(line):
            out.append(redact(line))
    return new_cursor


def run_journalctl(args: list) -> subprocess.CompletedProcess:
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=False)


def parse_prometheus(text: str):
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = PROM_SAMPLE.match(line.strip())
        if not match:
            continue
        name, label_text, raw_value = match.groups()
        try:
            value = float(raw_value)
        except ValueError:
            continue
        if not math.isfinite(value):
            continue
        labels = {k: unescape_label(v) for k, v in PROM_LABEL.findall(label_text or "")}
        yield name, labels, value


def unescape_label(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def metrics_snapshot(now: float, executor: str) -> str:
    snapshot = {"time": rfc3339(now), "level": "info", "msg": "metrics snapshot", "source": "log-shipper"}
    try:
        with LOCAL.open(METRICS_URL, timeout=5) as response:
            text = response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError):
        snapshot["error"] = "metrics endpoint unreachable"
        return json.dumps(snapshot, separators=(",", ":"))
    request_job = {"201": 0.0, "204": 0.0, "403": 0.0}
    machines = {"idle": 0.0, "used": 0.0, "creating": 0.0, "removing": 0.0} if executor == "docker+machine" else {}
    instances = {}
    seen_machines = False
    for name, labels, value in parse_prometheus(text):
        if name == "gitlab_runner_api_request_statuses_total" and labels.get("endpoint") == "request_job":
            status = labels.get("status", "unknown")
            request_job[status] = request_job.get(status, 0.0) + value
        elif name == "gitlab_runner_autoscaling_machine_states":
            seen_machines = True
            state = labels.get("state", "unknown")
            machines[state] = machines.get(state, 0.0) + value
        elif name == "fleeting_provisioner_instances":
            state = labels.get("state", "unknown")
            instances[state] = instances.get(state, 0.0) + value
    snapshot["request_job"] = as_ints(request_job)
    if machines or seen_machines:
        snapshot["machines"] = as_ints(machines)
    if instances:
        snapshot["instances"] = as_ints(instances)
    return json.dumps(snapshot, separators=(",", ":"))


def as_ints(values: dict) -> dict:
    return {k: int(round(v)) for k, v in values.items()}


def object_key(settings: dict, instance_id: str, now: float) -> str:
    t = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    return "%s/%s/%s/%s/%d.log.gz" % (
        settings["LOG_PREFIX"],
        settings["STACK_NAME"],
        instance_id,
        t.strftime("%Y/%m/%d/%H"),
        int(now),
    )


def upload(settings: dict, key: str, body: bytes) -> None:
    cmd = [AWS, "s3", "cp", "-", "s3://%s/%s" % (settings["LOG_BUCKET"], key)]
    cmd += ["--content-type", "application/gzip", "--only-show-errors"]
    if settings.get("AWS_REGION"):
        cmd += ["--region", settings["AWS_REGION"]]
    result = subprocess.run(cmd, input=body, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=False)
    if result.returncode != 0:
        detail = redact(result.stderr.decode("utf-8", "replace").strip())
        raise RuntimeError("aws s3 cp exited %d: %s" % (result.returncode, detail))


def main() -> int:
    settings = load_settings()
    missing = [k for k in ("LOG_BUCKET", "STACK_NAME") if not settings.get(k)]
    if missing:
        print("log-shipper: %s not set (environment or %s)" % (", ".join(missing), ENV_FILE), file=sys.stderr)
        return 2
    os.makedirs(STATE_DIR, mode=0o700, exist_ok=True)
    with open(os.path.join(STATE_DIR, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the timer and the boot-time run never ship the same lines twice
        now = time.time()
        try:
            instance_id = os.environ.get("GRO_INSTANCE_ID") or imds_get("/latest/meta-data/instance-id")
            if not settings.get("AWS_REGION"):
                settings["AWS_REGION"] = imds_get("/latest/meta-data/placement/region")
        except (urllib.error.URLError, OSError) as error:
            print("log-shipper: cannot read the instance metadata (IMDSv2): %s" % error, file=sys.stderr)
            return 1
        state = load_state()
        lines: list = []
        offsets = collect_cfn_init(state.get("offsets") or {}, now, lines)
        cursor = collect_journal(state.get("cursor"), now, lines)
        lines.append(metrics_snapshot(now, settings.get("EXECUTOR", "")))
        body = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"))
        key = object_key(settings, instance_id, now)
        try:
            upload(settings, key, body)
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            print("log-shipper: upload failed, will retry next run: %s" % error, file=sys.stderr)
            return 1
        save_state({"cursor": cursor, "offsets": offsets})
        print("log-shipper: shipped %d lines to s3://%s/%s" % (len(lines), settings["LOG_BUCKET"], key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
