"""How a command-line analysis was made: its command line, inputs and the time of each stage.

Recorded by the command line only, in ``run.json`` beside analysis.json (the report shows it):
analysis.json itself stays byte-identical for the same inputs and seed, from Python or the CLI.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class StageTimer:
    """A progress callback that forwards to `say` and times each stage.

    Parameters
    ----------
    say : callable
        The console's ``say(stage, done=None, total=None)``.
    """

    def __init__(self, say: Callable[..., None]) -> None:
        self._say = say
        self._stages: list[tuple[str, float]] = []
        self._start = time.perf_counter()
        self.started = datetime.now(UTC).isoformat(timespec="seconds")

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        if not self._stages or self._stages[-1][0] != stage:
            self._stages.append((stage, time.perf_counter()))
        self._say(stage, done, total)

    def timing(self) -> list[dict[str, Any]]:
        """``[{stage, seconds}]`` in the order the stages ran, up to now."""
        now = time.perf_counter()
        ends = [t for _, t in self._stages[1:]] + [now]
        return [
            {"stage": name, "seconds": round(end - start, 3)}
            for (name, start), end in zip(self._stages, ends, strict=True)
        ]

    def record(self, out: Path, inputs: dict[str, Any]) -> Path:
        """Write the command line, inputs, start time and timing to ``out/run.json``."""
        record = {
            "command": shlex.join(["weakspot", *sys.argv[1:]]),
            "started": self.started,
            "inputs": {k: _absolute(v) for k, v in inputs.items()},
            "timing": self.timing(),
        }
        out.mkdir(parents=True, exist_ok=True)
        path = out / "run.json"
        path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        return path


def _absolute(value: Any) -> str | None:
    """A path as an absolute path (so that `weakspot verify` finds it from anywhere)."""
    if value is None:
        return None
    if isinstance(value, Path) or (isinstance(value, str) and Path(value).exists()):
        return str(Path(value).resolve())
    return str(value)


def recorded_input(results: Path, name: str) -> Path | None:
    """The input `name` (``table``, ``train``, ...) that ``results/run.json`` recorded, if it
    is still a file; None when there is no run.json, no such input, or the file is gone."""
    try:
        record = json.loads((Path(results) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = (record.get("inputs") or {}).get(name) if isinstance(record, dict) else None
    path = Path(value) if isinstance(value, str) else None
    return path if path is not None and path.is_file() else None
