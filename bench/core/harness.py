"""Run one benchmark call in a fresh subprocess, with a memory limit and a timeout.

The child is a runner script from `bench/core/runners/` executed by the Python of the
environment under test (ours: the repo's .venv; peers: bench/.envs/<name>). It reads a JSON
payload, loads the table from bench/.cache, times only the call under test and writes a JSON
result. The parent reads the child's peak resident set size from `os.wait4`, so the figure is
that one process's own, even when it dies.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from envs import python_of
from tables import CACHE

RUNNERS = Path(__file__).resolve().parent / "runners"
REPO = Path(__file__).resolve().parents[2]
GIB = 1024**3
DEFAULT_MEM_LIMIT = 16 * GIB


def run_isolated(
    env: str,
    runner: str,
    payload: dict,
    *,
    mem_limit: int = DEFAULT_MEM_LIMIT,
    timeout: float = 600.0,
) -> dict:
    """Run `runners/<runner>.py` under `env`; return its JSON result plus ``peak_rss_bytes``.

    ``status`` is "ok", "out of memory", "timeout" or "error"; never raises for the child's
    failures.
    """
    runs = CACHE / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:10]
    payload_path, out_path = runs / f"{tag}.in.json", runs / f"{tag}.out.json"
    payload_path.write_text(json.dumps(payload))
    err_path = runs / f"{tag}.err.txt"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))

    source = os.environ.get("WEAKSPOT_BENCH_SOURCE", str(REPO))
    env_vars = dict(os.environ, PYTHONPATH=source, PYTHONWARNINGS="ignore")
    with open(err_path, "w") as err:
        proc = subprocess.Popen(
            [python_of(env), str(RUNNERS / f"{runner}.py"), str(payload_path), str(out_path)],
            cwd=REPO,
            env=env_vars,
            stdout=err,
            stderr=subprocess.STDOUT,
            preexec_fn=limit,
            start_new_session=True,
        )
        status, rusage, deadline = None, None, time.monotonic() + timeout
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, rusage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return _finish(
                    {"status": "timeout", "message": f"over {timeout:.0f} s"},
                    rusage,
                    payload_path,
                    out_path,
                    err_path,
                )
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if out_path.exists():
        result = json.loads(out_path.read_text())
    elif proc.returncode == -signal.SIGKILL:
        result = {"status": "out of memory", "message": "killed by SIGKILL (kernel OOM killer?)"}
    else:
        tail = err_path.read_text()[-800:]
        oom = "MemoryError" in tail or "bad_alloc" in tail or "Cannot allocate" in tail
        result = {
            "status": "out of memory" if oom else "error",
            "message": f"exit {proc.returncode}: {tail.strip()[-400:]}",
        }
    return _finish(result, rusage, payload_path, out_path, err_path)


def _finish(result, rusage, *paths):
    # ru_maxrss is in KiB on Linux.
    result["peak_rss_bytes"] = int(rusage.ru_maxrss) * 1024 if rusage is not None else None
    for p in paths:
        p.unlink(missing_ok=True)
    return result


def fmt_status(result: dict) -> str:
    """'ok' or a short reason, for tables."""
    if result["status"] == "ok":
        return "ok"
    msg = result.get("message", "")
    if result["status"] == "out of memory":
        asked = ""
        if "Unable to allocate" in msg:
            asked = " (asked " + msg.split("Unable to allocate ")[1].split(" for")[0] + ")"
        return "out of memory" + asked
    return f"{result['status']}: {msg[:120]}" if result["status"] == "error" else result["status"]


if __name__ == "__main__":  # pragma: no cover - manual check
    print(run_isolated(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))
