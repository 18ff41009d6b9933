"""A short fuzz run (bench/fuzz/run.py): random malformed tables and corrupted images through
``weakspot analyze`` give a result or a clear message, never a traceback, a hang or a blow-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_short_fuzz_run_has_no_traceback_hang_or_blow_up() -> None:
    command = [sys.executable, str(ROOT / "bench/fuzz/run.py"), "--cases", "40", "--seed", "7000"]
    done = subprocess.run(
        [*command, "--json", "--timeout", "60"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    counts = result["counts"]
    assert sum(counts.values()) == 40
    bad = ("traceback", "vague error", "hang", "over-memory")
    assert [counts[name] for name in bad] == [0, 0, 0, 0], result["bad"]
    assert counts["success"] > 0 and counts["clear error"] > 0
