"""Every combination a user can make works: an all-pairs covering array of the input forms, the
images, the embeddings, the training set, ``--sample``, the engine and the command run after
``analyze`` (issue 27).

Each case writes a planted table (the site ``@octocat`` fails 50% of the time against 10%
elsewhere, named like a GitHub handle so that every summary also shows whether a mention is
escaped), with its 16 x 16 images where the case has them, runs ``analyze`` as a user would
(the command line, or Python for a DataFrame and arrays), then the case's command, and asserts
what the user must get: exit code 0 (or the refusal that names what is missing), no traceback
and no internal warning, the skipped list naming the bad images, the planted site among the
top slices, no live mention in ``summary.md``. A ``report`` case also reruns the analysis with
one feature-cache chunk garbled and compares every file but ``run.json`` byte for byte.
The failures listed in issue 27 are the `SEEDS`, always in the array.
"""

from __future__ import annotations

import gc
import io
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

import weakspot
from tests.conftest import tiny_onnx
from tests.pairwise import Impossible, all_pairs, uncovered_pairs
from weakspot.cli import app

pytestmark = pytest.mark.slow

N = 180
SAMPLE = 140
PLANTED = "@octocat"
BAD = {5: "truncated", 6: "empty", 7: "missing"}  # rows whose image cannot be read

FACTORS: dict[str, list[str]] = {
    "form": ["csv", "parquet", "parquet folder", "dataframe", "image paths", "imagefolder",
             "arrays"],
    "images": ["none", "good", "bad"],
    "embeddings": ["backbone", "npy", "none"],
    "train": ["none", "table", "table with images"],
    "sample": ["no", "yes"],
    "engine": ["numpy", "dask"],
    "command": ["report", "gate", "compare", "verify", "perturb"],
}  # fmt: skip

IMPOSSIBLE = [
    *(
        Impossible(("form", form), ("images", "none"), f"the {form} form is images")
        for form in ("image paths", "imagefolder", "arrays")
    ),
    Impossible(("form", "arrays"), ("images", "bad"), "an array's rows are always readable"),
    Impossible(("images", "none"), ("embeddings", "backbone"), "a backbone embeds images"),
    Impossible(
        ("images", "none"),
        ("train", "table with images"),
        "training images need evaluation images to be measured alike",
    ),
    Impossible(
        ("form", "imagefolder"),
        ("embeddings", "npy"),
        "an ImageFolder's rows come in the folder's order, which an .npy cannot name",
    ),
    Impossible(
        ("form", "arrays"),
        ("command", "perturb"),
        "perturb reads the evaluation images from the table's paths",
    ),
]

# the failures issue 27 lists, each one case of the array
SEEDS = [
    # a few unreadable images with a backbone: NaN embeddings reached the label-noise diagnosis
    {"form": "csv", "images": "bad", "embeddings": "backbone", "command": "report"},
    # a tabular table with a training table: "--images '.' was given but ..."
    {"form": "csv", "images": "none", "embeddings": "none", "train": "table"},
    # an ImageFolder whose predictions name their files in a `path` column, one file gone
    {"form": "imagefolder", "images": "bad", "embeddings": "none", "sample": "no"},
    {"form": "imagefolder", "images": "good", "embeddings": "none", "sample": "no"},
    # report.html rerun byte-identical, a garbled cache chunk without an unclosed file
    {"form": "image paths", "images": "good", "embeddings": "backbone", "command": "report"},
]

CASES = all_pairs(FACTORS, IMPOSSIBLE, seeds=SEEDS)

# combinations that fail today, each with the bug it hits: strict, so that a fix turns the case
# red until its mark goes
KNOWN_BUGS: list[tuple[Callable[[dict[str, str]], bool], str]] = []


def _param(case: dict[str, str]) -> Any:
    marks = [
        pytest.mark.xfail(strict=True, reason=reason)
        for applies, reason in KNOWN_BUGS
        if applies(case)
    ]
    return pytest.param(case, id=_case_id(case), marks=marks)


def _case_id(case: dict[str, str]) -> str:
    return "-".join(v.replace(" ", "_") for v in case.values())


def test_the_cases_cover_every_allowed_pair() -> None:
    assert uncovered_pairs(CASES, FACTORS, IMPOSSIBLE) == []
    assert len(CASES) < 60  # all pairs, not the 5,670 of the full product
    for rule in IMPOSSIBLE:
        assert not any(rule.forbids(case) for case in CASES), rule.reason


@dataclass
class Planted:
    """The files of one case under `folder`, and what the analysis must find."""

    folder: Path
    table: pd.DataFrame  # id, site, label, prediction (and image where the case has images)
    bad_ids: list[str]


def _png(rng: np.random.Generator) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(40, 220, (16, 16), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _planted(folder: Path, images: str, *, n: int = N, seed: int = 0, prefix: str = "ex"):
    """The planted table; with images, one PNG per row under `folder`/imgs/<label>/."""
    rng = np.random.default_rng(seed)
    site = rng.choice(["A", PLANTED, "C"], n)
    label = rng.choice(["cat", "dog"], n)
    wrong = rng.random(n) < np.where(site == PLANTED, 0.5, 0.1)
    ids = [f"{prefix}{i:03d}" for i in range(n)]
    table = pd.DataFrame(
        {
            "id": ids,
            "site": site,
            "label": label,
            "prediction": np.where(wrong, np.where(label == "cat", "dog", "cat"), label),
        }
    )
    bad: list[str] = []
    if images != "none":
        paths = []
        for i, (name, cls) in enumerate(zip(ids, label, strict=True)):
            path = folder / "imgs" / cls / f"{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            data = _png(rng)
            kind = BAD.get(i) if images == "bad" else None
            if kind != "missing":
                path.write_bytes(
                    data[:40] if kind == "truncated" else b"" if kind == "empty" else data
                )
            if kind:
                bad.append(name)
            paths.append(f"imgs/{cls}/{name}.png")
        table["image"] = paths
    return Planted(folder, table, bad)


def _run(args: list[Any]) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def _clean(result: Any, code: int = 0, what: str = "") -> None:
    output = result.output
    assert "Traceback" not in output, output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{what}: {result.exception!r}\n{output}") from result.exception
    assert result.exit_code == code, f"{what}: exit {result.exit_code}\n{output}"


def _trainer(folder: Path) -> str:
    """A trainer file: each site's weighted majority label in training."""
    (folder / "trainer.py").write_text(
        "import numpy as np\n\n\n"
        "def fit_and_predict(train, sample_weight, evaluate, random_state=0):\n"
        "    weights = train.assign(w=sample_weight).groupby(['site', 'label'])['w'].sum()\n"
        "    best = weights.groupby(level=0).idxmax().map(lambda key: key[1])\n"
        "    return evaluate['site'].map(best).fillna(train['label'].iloc[0]).to_numpy()\n",
        encoding="utf-8",
    )
    return f"{folder / 'trainer.py'}:fit_and_predict"


def _predict(folder: Path) -> str:
    """A predict file on the images: bright on average means 'dog'."""
    (folder / "model.py").write_text(
        "import numpy as np\n\n\n"
        "def predict(images):\n"
        "    means = np.array([np.asarray(im, dtype=float).mean() for im in images])\n"
        "    return np.where(means > 128, 'dog', 'cat')\n",
        encoding="utf-8",
    )
    return f"{folder / 'model.py'}:predict"


class Case:
    """One row of the covering array, run in its own folder."""

    def __init__(self, case: dict[str, str], folder: Path, cluster: Any, cache: Path) -> None:
        self.case, self.folder, self.cluster, self.cache = case, folder, cluster, cache
        self.data = _planted(folder, case["images"])
        self.out = folder / "out"
        self.options: list[Any] = []
        self.python: dict[str, Any] = {}
        self.table_arg: Any = None
        self._inputs()

    def _inputs(self) -> None:
        case, folder, table = self.case, self.folder, self.data.table
        form = case["form"]
        if form == "csv":
            table.to_csv(folder / "preds.csv", index=False)
            self.table_arg = folder / "preds.csv"
        elif form == "parquet":
            table.to_parquet(folder / "preds.parquet", index=False)
            self.table_arg = folder / "preds.parquet"
        elif form == "parquet folder":
            (folder / "preds").mkdir()
            table.iloc[:90].to_parquet(folder / "preds" / "part-0.parquet", index=False)
            table.iloc[90:].to_parquet(folder / "preds" / "part-1.parquet", index=False)
            self.table_arg = folder / "preds"
            if "image" in table:
                self.options += ["--images", folder]
        elif form == "image paths":
            (folder / "tables").mkdir()
            moved = table.assign(image=table["image"].str.removeprefix("imgs/"))
            moved.to_csv(folder / "tables" / "preds.csv", index=False)
            self.table_arg = folder / "tables" / "preds.csv"
            self.options += ["--images", folder / "imgs"]
        elif form == "imagefolder":
            preds = table.drop(columns=["image", "label"]).assign(
                path=table["image"].str.removeprefix("imgs/")
            )
            preds.drop(columns=["id"]).to_csv(folder / "preds.csv", index=False)
            self.table_arg = folder / "imgs"
            self.options += ["--predictions", folder / "preds.csv"]
        elif form == "dataframe":
            self.python["data"] = table
            if "image" in table:
                self.python["images"] = folder
        else:  # arrays
            pixels = [np.asarray(Image.open(folder / p)) for p in table["image"]]
            self.python["data"] = table.drop(columns=["image"])
            self.python["images"] = np.stack(pixels)
        self._embeddings()
        self._train()
        if case["sample"] == "yes":
            self.options += ["--sample", SAMPLE]
            self.python["sample"] = SAMPLE
        if case["engine"] == "dask":
            self.options += ["--engine", "dask", "--scheduler", self.cluster.address]

    def _embeddings(self) -> None:
        kind = self.case["embeddings"]
        if kind == "backbone":
            model = tiny_onnx(self.folder / "tiny.onnx")
            self.options += ["--embed", model]
            self.python["embed"] = str(model)
        elif kind == "npy":
            rng = np.random.default_rng(1)
            vectors = rng.normal(size=(N, 4)).astype(np.float32)
            vectors[:, 0] += (self.data.table["site"] == PLANTED).to_numpy() * 2.0
            np.save(self.folder / "emb.npy", vectors)
            self.options += ["--embeddings", self.folder / "emb.npy", "--embed", "none"]
            self.python.update(embeddings=str(self.folder / "emb.npy"), embed=None)
        else:
            self.options += ["--embed", "none"]
            self.python["embed"] = None

    def _train(self) -> None:
        kind = self.case["train"]
        if kind == "none":
            return
        folder = self.folder / "training"
        folder.mkdir()
        images = "good" if kind == "table with images" else "none"
        train = _planted(folder, images, n=150, seed=7, prefix="tr").table
        train.to_csv(folder / "train.csv", index=False)
        self.options += ["--train", folder / "train.csv"]
        self.python["train"] = folder / "train.csv"

    def analyze(self, out: Path) -> Any:
        """Run the analysis into `out`; returns the CLI result (None from Python)."""
        if self.python.get("data") is None:
            return _run(["analyze", self.table_arg, "--out", out, *self.options])
        options = {k: v for k, v in self.python.items() if k != "data"}
        if self.case["engine"] == "dask":
            from distributed import Client

            with Client(self.cluster.address, timeout=60) as client:
                analysis = weakspot.analyze(
                    self.python["data"], engine="dask", client=client, **options
                )
        else:
            analysis = weakspot.analyze(self.python["data"], **options)
        weakspot.write_results(analysis, out)
        return None

    def eval_table(self) -> Path:
        """The evaluation table as --data for verify and perturb."""
        path = self.folder / "eval.csv"
        table = self.data.table
        if "image" in table:
            table = table.assign(image=[str(self.folder / p) for p in table["image"]])
        table.to_csv(path, index=False)
        return path


def _check_analysis(case: Case) -> dict:
    doc = json.loads((case.out / "analysis.json").read_text(encoding="utf-8"))
    skipped = doc.get("skipped", [])
    named = sorted(Path(s["path"]).stem for s in skipped)
    rows = pd.read_csv(case.out / "examples.csv", dtype=str)["id"].map(lambda i: Path(i).stem)
    assert named == sorted(set(case.data.bad_ids) & set(rows)), skipped  # those of the sample
    site = case.data.table.set_index("id")["site"]
    found = False
    for item in doc["slices"][:3]:
        ids = [Path(str(m)).stem for m in item.get("members") or []]  # an ImageFolder's: paths
        members = site.reindex(ids).to_numpy()
        if len(members) and (members == PLANTED).mean() > 0.8:
            found = True
    titles = [item.get("title", "") for item in doc["slices"][:3]]
    assert found or any(PLANTED in t for t in titles), titles
    summary = (case.out / "summary.md").read_text(encoding="utf-8")
    prose = re.sub(r"`[^`\n]*`", "", summary)  # a code span renders no mention
    assert PLANTED not in prose, "a live mention in summary.md"
    return doc


def _then(case: Case) -> None:
    command, out, folder = case.case["command"], case.out, case.folder
    if command == "report":
        _clean(_run(["report", out]), 0, "report")
        _rerun_alike(case)
    elif command == "gate":
        _clean(_run(["gate", out, "--baseline", out]), 0, "gate")
    elif command == "compare":
        _clean(_run(["compare", out, out, "--out", folder / "diff"]), 0, "compare")
        assert (folder / "diff").is_dir()
    elif command == "verify":
        args = ["verify", out, "--trainer", _trainer(folder), "--data", case.eval_table()]
        if case.case["train"] == "none":
            _clean(_run(args), 2, "verify without a training table")
        else:
            args += ["--train", folder / "training" / "train.csv", "--repeats", 1]
            _clean(_run(args), 0, "verify")
            assert (out / "verify" / "verification.json").is_file()
    else:
        args = ["perturb", out, "--predict", _predict(folder), "--data", case.eval_table()]
        _clean(_run(args), 0 if case.case["images"] != "none" else 2, "perturb")


def _rerun_alike(case: Case) -> None:
    """A second run of the same input, one feature-cache chunk garbled first: every file but
    run.json is byte-identical, and the garbled chunk leaves no file open."""
    chunks = sorted(case.cache.glob("images-*/chunk-*.npz"))
    if chunks:
        chunks[0].write_bytes(b"garbled")
    again = case.folder / "again"
    result = case.analyze(again)
    if result is not None:
        _clean(result, 0, "second analyze")
    first = {p.relative_to(case.out): p.read_bytes() for p in case.out.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    for files in (first, second):
        files.pop(Path("run.json"), None)
        for name in [k for k in files if k.parts[0] == "verify"]:
            files.pop(name)
    assert sorted(first) == sorted(second)
    differ = [str(name) for name in first if first[name] != second[name]]
    assert differ == [], f"files that differ on a rerun: {differ}"


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_a_combination_works_as_a_user_would_run_it(
    case, tmp_path, dask_cluster, _private_cache
) -> None:
    run = Case(case, tmp_path, dask_cluster, _private_cache)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run.analyze(run.out)
        if result is not None:
            _clean(result, 0, "analyze")
        _check_analysis(run)
        _then(run)
        gc.collect()  # an unclosed file warns when it is collected
    ours = str(Path(weakspot.__file__).parent)
    internal = [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if issubclass(w.category, ResourceWarning)
        or (w.filename.startswith(ours) and "were skipped" not in str(w.message))
    ]
    assert internal == [], internal
