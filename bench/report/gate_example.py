"""The gate's example in docs/gate.md: a model that got worse on site B, against its baseline.

    .venv/bin/python bench/report/gate_example.py /tmp/gate-example

Writes BASE (the planted test table of tests/conftest.py) and WORSE (the same predictions with
30% of site B's correct ones flipped) under the folder, then runs
``weakspot gate WORSE --baseline BASE`` and prints its summary and exit code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import weakspot  # noqa: E402
from tests.conftest import planted_table  # noqa: E402


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gate-example")
    base = planted_table(0)
    rng = np.random.default_rng(5)
    right_b = ((base.site == "B") & (base.label == base.prediction)).to_numpy()
    flip = right_b & (rng.random(len(base)) < 0.3)
    worse = base.copy()
    worse.loc[flip, "prediction"] = np.where(worse.label == "cat", "dog", "cat")[flip]
    for name, frame in (("base", base), ("worse", worse)):
        weakspot.write_results(weakspot.analyze(frame, sensitive=["site"]), root / name)
    tool = Path(sys.executable).parent / "weakspot"
    gate = subprocess.run(
        [str(tool), "gate", str(root / "worse"), "--baseline", str(root / "base")]
    )
    print(f"exit code {gate.returncode}")


if __name__ == "__main__":
    main()
