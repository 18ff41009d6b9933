"""The two analyses whose ``analysis.json`` is kept in tests/engine/golden/.

They were written at 7bb2c3c, before the engine seam, so that any engine (and any later
refactoring) can be checked to give the same document byte for byte. Regenerate only when a
change of results is intended::

    .venv/bin/python -m tests.engine.golden_cases
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tests.conftest import planted_table

GOLDEN = Path(__file__).parent / "golden"
N_DEMO_IMAGES = 400
_DATA_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")


def tabular_table() -> pd.DataFrame:
    """The planted table plus a float and a missing-valued column (quantile bins, NaN bin)."""
    frame = planted_table(7, n=3000)
    rng = np.random.default_rng(7)
    frame["income"] = rng.lognormal(10, 1, len(frame)).round(2)
    frame["visits"] = np.where(rng.random(len(frame)) < 0.1, np.nan, rng.poisson(4, len(frame)))
    return frame


def tabular_analysis(**engine: Any):
    from weakspot import analyze

    return analyze(tabular_table(), sensitive=["site"], random_state=0, **engine)


def demo_inputs(folder: Path) -> Path:
    """The demo's predictions table and PNG files for `N_DEMO_IMAGES` images, under `folder`."""
    from weakspot.datasets._demo import make_demo_predictions, write_demo_images

    frame, pixels = make_demo_predictions(n_eval=N_DEMO_IMAGES, random_state=0)
    frame = write_demo_images(frame, pixels, folder)
    table = folder / "predictions.csv"
    frame.to_csv(table, index=False)
    return table


def demo_analysis(table: Path, **engine: Any):
    """`weakspot demo --n-images 400 --embed none`'s analysis, without its cache."""
    from weakspot import analyze

    return analyze(table, sensitive=["camera"], embed=None, random_state=0, **engine)


def document(analysis) -> str:
    """``analysis.json``'s text, each picture replaced by its SHA-256 (keeps the file small)."""
    from weakspot.report import write_json

    with tempfile.TemporaryDirectory() as tmp:
        text = write_json(analysis, Path(tmp) / "analysis.json").read_text(encoding="utf-8")
    return _DATA_URI.sub(lambda m: "sha256:" + hashlib.sha256(m[0].encode()).hexdigest(), text)


def _write() -> None:
    GOLDEN.mkdir(exist_ok=True)
    (GOLDEN / "tabular.json").write_text(document(tabular_analysis()), encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        table = demo_inputs(Path(tmp))
        (GOLDEN / "demo.json").write_text(document(demo_analysis(table)), encoding="utf-8")
    for name in ("tabular.json", "demo.json"):
        doc = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
        print(name, len(doc["slices"]), "slices")


if __name__ == "__main__":
    _write()


def assert_same(text: str, name: str) -> None:
    """Every value the golden file holds is unchanged; fields added since (a report section, a
    later stage) are allowed, and only those."""
    golden = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    difference = _first_difference(_only_known(json.loads(text), golden), golden)
    assert difference is None, f"{name} differs from its golden file at {difference}"


def _first_difference(value, golden, path: str = "") -> str | None:
    """Where `value` first differs from `golden` (None if nowhere). Floats agree to 1e-6
    relative: the last bits of a probability's sums move with the BLAS build and its threads,
    which is not a change of the analysis."""
    if isinstance(golden, dict) and isinstance(value, dict):
        missing = sorted(set(golden) - set(value) - {"examples"})
        if missing:
            return f"{path or '/'} (missing {missing})"
        found = (_first_difference(value[k], golden[k], f"{path}/{k}") for k in value)
        return next((d for d in found if d), None)
    if isinstance(golden, list) and isinstance(value, list):
        if len(value) != len(golden):
            return f"{path} (length {len(value)} vs {len(golden)})"
        found = (
            _first_difference(v, g, f"{path}/{i}")
            for i, (v, g) in enumerate(zip(value, golden, strict=True))
        )
        return next((d for d in found if d), None)
    numbers = (int, float)
    if isinstance(golden, float) and isinstance(value, numbers) and not isinstance(value, bool):
        return (
            None
            if math.isclose(value, golden, rel_tol=1e-6, abs_tol=1e-9)
            else f"{path} ({value!r} vs {golden!r})"
        )
    return (
        None
        if value == golden and type(value) is type(golden)
        else f"{path} ({value!r} vs {golden!r})"
    )


def _only_known(value, golden):
    """`value` restricted to the keys `golden` has, recursively."""
    if isinstance(value, dict) and isinstance(golden, dict):
        # which example images a slice shows is the report's choice (issue 10 redrew the grids:
        # errors inside, successes inside, errors outside), not a result of the analysis
        return {
            k: _only_known(value[k], golden[k]) for k in golden if k in value and k != "examples"
        }
    if isinstance(value, list) and isinstance(golden, list) and len(value) == len(golden):
        return [_only_known(v, g) for v, g in zip(value, golden, strict=True)]
    return value
