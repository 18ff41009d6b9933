"""A real Dask cluster for tests: a scheduler and workers as separate processes on 127.0.0.1.

`LocalDaskCluster` starts ``dask scheduler --host 127.0.0.1 --port 0`` and ``dask worker ADDR
--nthreads 1 --no-nanny`` (no nanny: killing a worker's process kills the worker, as a lost
machine would), and `close` always stops every process it started, by process group.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DASK = str(Path(sys.executable).with_name("dask"))
ROOT = Path(__file__).resolve().parents[2]  # so that workers can unpickle test functions


class LocalDaskCluster:
    """Scheduler and `n_workers` worker processes; ``address`` is the scheduler's."""

    def __init__(self, folder: Path, n_workers: int = 2, memory_limit: str = "2GiB") -> None:
        self.folder, self.memory_limit = folder, memory_limit
        self.processes: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        try:
            self.address = self._start_scheduler()
            for _ in range(n_workers):
                self.add_worker()
        except BaseException:
            self.close()
            raise

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        with open(self.folder / log, "ab") as out:
            proc = subprocess.Popen(
                [DASK, *args], stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        self.processes.append(proc)
        return proc

    def _start_scheduler(self) -> str:
        info = self.folder / "scheduler.json"
        self._spawn(
            ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
            + ["--scheduler-file", str(info)],
            "scheduler.log",
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if info.exists() and info.stat().st_size:
                return json.loads(info.read_text())["address"]
            time.sleep(0.1)
        raise RuntimeError(f"the scheduler did not start; see {self.folder / 'scheduler.log'}")

    def add_worker(self) -> subprocess.Popen:
        """Start one more one-thread worker process."""
        n = len(self.workers)
        proc = self._spawn(
            ["worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
            + [
                "--memory-limit",
                self.memory_limit,
                "--local-directory",
                str(self.folder / f"w{n}"),
            ],
            f"worker{n}.log",
        )
        self.workers.append(proc)
        return proc

    def kill_worker(self, index: int = 0) -> None:
        """SIGKILL one worker process, as if its machine were lost."""
        os.kill(self.workers[index].pid, signal.SIGKILL)
        self.workers[index].wait(timeout=10)

    def close(self) -> None:
        """Stop every process started here (SIGKILL to each one's process group: a test
        cluster holds nothing worth a graceful shutdown, and this cannot hang)."""
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.processes:
            proc.wait(timeout=30)
