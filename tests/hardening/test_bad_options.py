"""Bad options, embeddings, models, output and cache folders: a clear message, exit 2, no
traceback, and the user's files left as they were."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

import weakspot
from tests.hardening.conftest import (
    assert_refused,
    assert_untouched,
    run,
    small_table,
    snapshot,
)
from weakspot.report import _output

N = 300


def _write_embeddings(tmp: Path, kind: str) -> Path:
    path = tmp / ("emb.npz" if kind == "npz" else "emb.npy")
    vectors = np.random.default_rng(0).normal(size=(N, 4)).astype(np.float32)
    if kind == "npz":
        np.savez(path, vectors=vectors)
    elif kind == "object":
        np.save(path, np.array([{"a": 1}] * N, dtype=object), allow_pickle=True)
    elif kind == "pickle":
        path.write_bytes(pickle.dumps(vectors))
    elif kind == "text":
        path.write_text("0.1,0.2\n" * N)
    elif kind == "shape":
        np.save(path, vectors[:10])
    elif kind == "nan":
        vectors[5] = np.nan
        np.save(path, vectors)
    elif kind == "strings":
        np.save(path, np.array([["a", "b"]] * N))
    return path


# name -> (arguments after the table, regexes)
OPTION_CASES: dict[str, tuple[list[str], list[str]]] = {
    "negative seed": (["--seed", "-1"], [r"--random-state must be an integer from 0"]),
    "huge seed": (["--seed", str(2**64)], [r"--random-state|seed"]),
    "seed above 32 bits": (
        ["--seed", str(2**32)],
        [r"--random-state must be an integer from 0 to 2\*\*32 - 1"],
    ),
    "max level 0": (["--finder-option", "lattice.max_level=0"], [r"max_level", r"0"]),
    "negative min support": (
        ["--min-support", "-3"],
        [r"--min-support must be at least"],
    ),
    "max q 0": (["--max-q", "0"], [r"--max-q must be in \(0, 1\], got 0"]),
    "max q 2": (["--max-q", "2"], [r"--max-q must be in \(0, 1\]"]),
    "max slices 0": (["--max-slices", "0"], [r"--max-slices must be at least 1"]),
    "failed share 2": (
        ["--max-failed-share", "2"],
        [r"--max-failed-share must be between 0 and 1"],
    ),
    "unknown finder": (
        ["--methods", "lattice,bogus"],
        [r"Unknown slice finder\(s\) \['bogus'\]", r"available"],
    ),
    "domino without embeddings": (
        ["--methods", "domino"],
        [r"\['domino'\] search embedding space", r"no embeddings", r"--embeddings"],
    ),
    "embeddings missing": (["--embeddings", "{tmp}/nope.npy"], [r"--embeddings .*does not exist"]),
    "embeddings npz": (["--embeddings", "{emb:npz}"], [r"\.npz archive", r"numpy\.save"]),
    "embeddings object dtype": (
        ["--embeddings", "{emb:object}"],
        [r"pickle\), which weakspot never\s+loads", r"numpy\.save"],
    ),
    "embeddings pickled": (
        ["--embeddings", "{emb:pickle}"],
        [r"--embeddings .*(pickle|not a \.npy file)"],
    ),
    "embeddings text": (
        ["--embeddings", "{emb:text}"],
        [r"not a \.npy file", r"numpy\.save"],
    ),
    "embeddings wrong rows": (
        ["--embeddings", "{emb:shape}"],
        [r"must have shape \(n, d\) with n = 300", r"one embedding row per example"],
    ),
    "embeddings of strings": (["--embeddings", "{emb:strings}"], [r"must hold numbers"]),
    "embed not onnx": (
        ["--embed", "{tmp}/model.onnx"],
        [r"is not an ONNX model", r"torch\.onnx\.export"],
    ),
    "embed onnx missing": (["--embed", "{tmp}/absent.onnx"], [r"ONNX model file does not exist"]),
    "embed bogus": (["--embed", "resnet9000"], [r"is not understood", r"efficientnet"]),
    "cache dir is a file": (
        ["--cache-dir", "{tmp}/notes.txt"],
        [r"--cache-dir .*is a file, not a folder"],
    ),
    "out is a file": (["--out", "{tmp}/notes.txt"], [r"--out .*is a file, not a folder"]),
    "out under a file": (
        ["--out", "{tmp}/notes.txt/sub"],
        [r"Cannot write the results", r"folder you can write"],
    ),
    "predictions with a table": (
        ["--predictions", "{tmp}/p.csv"],
        [r"--predictions goes with an image folder"],
    ),
    "images without a path column": (
        ["--images", "{tmp}"],
        [r"no image-path column", r"--image-column"],
    ),
}


def _fill(arg: str, tmp: Path) -> str:
    if arg.startswith("{emb:"):
        return str(_write_embeddings(tmp, arg[5:-1]))
    return arg.replace("{tmp}", str(tmp))


@pytest.mark.parametrize("case", sorted(OPTION_CASES))
def test_bad_option_is_a_clear_error(tmp_path: Path, case: str) -> None:
    args, patterns = OPTION_CASES[case]
    small_table(N).to_csv(tmp_path / "p.csv", index=False)
    (tmp_path / "notes.txt").write_text("my own notes\n")
    (tmp_path / "model.onnx").write_bytes(b"this is not a protobuf \xff\xfe" * 10)
    filled = [_fill(a, tmp_path) for a in args]
    out = [] if "--out" in args else ["--out", str(tmp_path / "out")]
    before = snapshot(tmp_path)
    result = run(["analyze", tmp_path / "p.csv", *out, *filled])
    assert_refused(result, 2, *patterns)
    assert_untouched(before, tmp_path, created=("out",))


def test_a_folder_of_someone_elses_files_is_refused(tmp_path: Path) -> None:
    small_table(N).to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "summary.md").write_text("# my own summary\n")
    (out / "report.html").write_text("<p>my report</p>")
    before = snapshot(tmp_path)
    result = run(["analyze", tmp_path / "p.csv", "--out", out])
    assert_refused(result, 2, r"is not empty", r"not written by weakspot", r"pass --overwrite")
    assert_untouched(before, tmp_path)


def test_overwrite_replaces_only_weakspots_own_names(tmp_path: Path) -> None:
    small_table(N).to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "keep.txt").write_text("keep me")
    (out / "summary.md").write_text("old")
    result = run(["analyze", tmp_path / "p.csv", "--out", out, "--overwrite"])
    assert result.exit_code == 0, result.output
    assert (out / "keep.txt").read_text() == "keep me"
    assert (out / "summary.md").read_text().startswith("# weakspot summary")
    assert (out / ".weakspot").is_file()


def test_a_second_run_writes_into_its_own_folder(tmp_path: Path) -> None:
    small_table(N).to_csv(tmp_path / "p.csv", index=False)
    for _ in range(2):
        result = run(["analyze", tmp_path / "p.csv", "--out", tmp_path / "out"])
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".weakspot",
        "analysis.json",
        "examples.csv",
        "report.html",
        "run.json",
        "summary.md",
    ]


def test_a_write_that_fails_leaves_the_old_file_whole(tmp_path: Path, monkeypatch) -> None:
    analysis = weakspot.analyze(small_table(N))
    paths = weakspot.write_results(analysis, tmp_path / "out")
    old = paths["markdown"].read_bytes()

    def broken_write(path: Path, text: str) -> Path:
        if path.name == "summary.md":
            raise PermissionError(13, "Permission denied")
        return _output.write_atomic.__wrapped__(path, text)  # type: ignore[attr-defined]

    original = _output.write_atomic
    broken_write.__wrapped__ = original  # type: ignore[attr-defined]
    monkeypatch.setattr(_output, "write_atomic", broken_write)
    with pytest.raises(weakspot.InputError, match=r"Cannot write the results.*Permission denied"):
        weakspot.write_results(analysis, tmp_path / "out")
    assert paths["markdown"].read_bytes() == old
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_a_read_only_folder_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    analysis = weakspot.analyze(small_table(N))
    out = tmp_path / "ro"
    out.mkdir()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_output.tempfile, "mkstemp", refuse)
    with pytest.raises(weakspot.InputError, match=r"out_dir=.*Permission denied.*write to"):
        weakspot.write_results(analysis, out)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_through_the_cli(tmp_path: Path) -> None:
    small_table(N).to_csv(tmp_path / "p.csv", index=False)
    (tmp_path / "ro").mkdir(mode=0o500)
    result = run(["analyze", tmp_path / "p.csv", "--out", tmp_path / "ro"])
    assert_refused(result, 2, r"Cannot write the results")


def test_an_interrupted_write_leaves_no_half_file(tmp_path: Path, monkeypatch) -> None:
    out = _output.claim_output_folder(tmp_path / "out")
    (out / "analysis.json").write_text('{"old": true}')

    class Stop(BaseException):
        pass

    real_replace = os.replace

    def die(src, dst):
        raise Stop

    monkeypatch.setattr(_output.os, "replace", die)
    with pytest.raises(Stop):
        _output.write_atomic(out / "analysis.json", '{"new": true}')
    monkeypatch.setattr(_output.os, "replace", real_replace)
    assert json.loads((out / "analysis.json").read_text()) == {"old": True}
    assert sorted(p.name for p in out.iterdir()) == [".weakspot", "analysis.json"]


def test_library_errors_name_parameters_not_flags(tmp_path: Path) -> None:
    small_table(N).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(weakspot.InputError, match=r"random_state="):
        weakspot.analyze(small_table(N), random_state=-5)
    with pytest.raises(weakspot.InputError, match=r"max_failed_share="):
        weakspot.analyze(small_table(N), max_failed_share=3)
    with pytest.raises(weakspot.InputError, match=r"cache_dir="):
        weakspot.analyze(small_table(N), cache_dir=tmp_path / "p.csv")
    with pytest.raises(weakspot.InputError, match=r"embeddings="):
        weakspot.analyze(small_table(N), embeddings=np.zeros((3, 2)))
