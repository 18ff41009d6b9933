"""``weakspot analyze --engine dask``: a Parquet folder on a running cluster."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.conftest import planted_table
from weakspot.cli._app import app


def test_engine_dask_with_a_scheduler_writes_the_local_engines_analysis(
    dask_cluster, dask_client, tmp_path
) -> None:
    folder = tmp_path / "preds"
    folder.mkdir()
    frame = planted_table(1, n=2000)
    for i in range(2):
        frame.iloc[i * 1000 : (i + 1) * 1000].to_parquet(folder / f"part-{i}.parquet")
    runner = CliRunner()
    local = runner.invoke(app, ["analyze", str(folder), "--out", str(tmp_path / "a"), "-q"])
    remote = runner.invoke(
        app,
        ["analyze", str(folder), "--out", str(tmp_path / "b"), "-q"]
        + ["--engine", "dask", "--scheduler", dask_cluster.address],
    )
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    docs = [json.loads((tmp_path / d / "analysis.json").read_text()) for d in "ab"]
    assert docs[0] == docs[1] and docs[0]["dataset"]["n_examples"] == 2000


def test_engine_dask_needs_a_scheduler_or_workers(tmp_path) -> None:
    table = tmp_path / "p.csv"
    planted_table(0, n=200).to_csv(table, index=False)
    result = CliRunner().invoke(app, ["analyze", str(table), "--engine", "dask"])
    assert result.exit_code == 2
    assert "--engine dask needs one of --scheduler tcp://HOST:8786" in result.output
    result = CliRunner().invoke(app, ["analyze", str(table), "--workers", "2"])
    assert (
        result.exit_code == 2 and "--scheduler and --workers go with --engine dask" in result.output
    )
