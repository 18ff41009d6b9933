"""The two analyses whose ``analysis.json`` is kept in tests/engine/golden/.

They were written at 7bb2c3c, before the engine seam, so that any engine (and any later
refactoring) can be checked to give the same document byte for byte. Regenerate only when a
change of results is intended::

    .venv/bin/python -m tests.engine.golden_cases
"""

from __future__ import annotations

import hashlib
import json
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
