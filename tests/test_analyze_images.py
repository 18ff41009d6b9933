"""analyze() with images: an image folder, a table with a path column, and an array."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

import weakspot
from weakspot._whole import NOT_COUNTED_IMAGES
from weakspot.cli import app


def _images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Textured grey images; every third one is darkened, and the model fails mostly on those."""
    rng = np.random.default_rng(seed)
    base = rng.integers(60, 250, size=(n, 24, 24)).astype(np.float32)
    dark = np.arange(n) % 3 == 0
    base[dark] *= 0.25
    labels = rng.choice(["boot", "shirt"], n)
    wrong = rng.random(n) < np.where(dark, 0.6, 0.08)
    predictions = np.where(wrong, np.where(labels == "boot", "shirt", "boot"), labels)
    return base.astype(np.uint8), labels, predictions


def _write_folder(root, images, labels):
    ids = []
    for i, (pixels, label) in enumerate(zip(images, labels, strict=True)):
        (root / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(root / label / f"{i:04d}.png")
        ids.append(f"{label}/{i:04d}.png")
    return ids


def _dark_members(n: int) -> set[int]:
    return set(np.flatnonzero(np.arange(n) % 3 == 0).tolist())


def test_array_images_give_property_slices():
    images, labels, predictions = _images(600, 0)
    frame = pd.DataFrame({"label": labels, "prediction": predictions})
    analysis = weakspot.analyze(frame, images=images, embed=None)
    assert "brightness" in analysis.binned.names and "is_dark" in analysis.binned.names
    top = analysis.slices[0]
    members = set(top.members.tolist())
    dark = _dark_members(600)
    assert len(members & dark) / len(members | dark) >= 0.8
    assert analysis.features.info["brightness"][0] == "Brightness"


def test_image_folder_with_predictions_and_a_bad_file(tmp_path):
    images, labels, predictions = _images(300, 1)
    ids = _write_folder(tmp_path / "val", images, labels)
    (tmp_path / "val" / "boot" / "broken.png").write_bytes(b"not an image")
    ids.append("boot/broken.png")
    preds = pd.DataFrame({"id": ids, "prediction": [*predictions, "boot"]})
    preds.to_csv(tmp_path / "preds.csv", index=False)
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(tmp_path / "val"),
            "--predictions",
            str(tmp_path / "preds.csv"),
            "--out",
            str(tmp_path / "out"),
            "--embed",
            "none",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert doc["dataset"]["n_examples"] == 301
    assert [s["path"].endswith("broken.png") for s in doc["skipped"]] == [True]
    assert "not an image" in doc["skipped"][0]["reason"]
    assert (
        doc["slices"]
        and any(
            c["feature"]
            in {
                "brightness",
                "is_dark",
                "dark_share",
                "contrast",
                "shadows",
                "highlights",
                "dynamic_range",
                "entropy",
            }
            for c in doc["slices"][0]["predicate"]
        )
        or "dark" in doc["failure_modes"][0]["mechanism"]
    )
    # with cut points where the failure starts, several properties select exactly the dark
    # images; the first failure mode then names the darkness in its mechanism
    assert "dark" in doc["failure_modes"][0]["mechanism"], doc["failure_modes"][0]


def test_table_with_relative_paths_and_images_root(tmp_path):
    images, labels, predictions = _images(150, 2)
    ids = _write_folder(tmp_path / "imgs", images, labels)
    table = pd.DataFrame({"image_path": ids, "label": labels, "prediction": predictions})
    table.to_csv(tmp_path / "preds.csv", index=False)
    analysis = weakspot.analyze(tmp_path / "preds.csv", images=tmp_path / "imgs", embed=None)
    assert analysis.config["images"] is True
    assert analysis.skipped == []


def test_image_folder_without_predictions_is_a_clear_error(tmp_path):
    images, labels, _ = _images(10, 3)
    _write_folder(tmp_path / "val", images, labels)
    with pytest.raises(
        weakspot.InputError, match="is an image folder: also give the model's predictions"
    ):
        weakspot.analyze(tmp_path / "val")


def test_images_without_a_prediction_are_named(tmp_path):
    images, labels, predictions = _images(10, 4)
    ids = _write_folder(tmp_path / "val", images, labels)
    pd.DataFrame({"id": ids[:-1], "prediction": predictions[:-1]}).to_csv(
        tmp_path / "p.csv", index=False
    )
    with pytest.raises(weakspot.InputError, match=r"1 image\(s\) under .* have no prediction"):
        weakspot.analyze(tmp_path / "val", predictions=tmp_path / "p.csv")


def _folder_with_repeated_names(root, n: int = 80) -> pd.DataFrame:
    """An ImageFolder whose classes reuse file names (boot/0000.png and shirt/0000.png), and the
    predictions of its images, each named by its path relative to the folder."""
    images, labels, predictions = _images(n, 11)
    relative: list[str] = []
    for pixels, label in zip(images, labels, strict=True):
        (root / label).mkdir(parents=True, exist_ok=True)
        name = f"{label}/{sum(r.startswith(label) for r in relative):04d}.png"
        Image.fromarray(pixels).save(root / name)
        relative.append(name)
    return pd.DataFrame({"file": relative, "prediction": predictions, "site": np.arange(n) % 2})


def _analyze_folder(tmp_path, *options: str):
    result = CliRunner().invoke(
        app,
        ["analyze", str(tmp_path / "val"), "--predictions", str(tmp_path / "p.csv")]
        + ["--out", str(tmp_path / "out"), "--embed", "none", "--quiet", *options],
    )
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("column", "options"),
    [
        ("path", []),
        ("path", ["--id-column", "path"]),
        ("file", []),
        ("image", []),
        ("id", []),
        ("name", ["--image-column", "name"]),
        ("name", ["--id-column", "name"]),
    ],
)
def test_an_image_folder_joins_on_the_column_that_names_its_files(tmp_path, column, options):
    table = _folder_with_repeated_names(tmp_path / "val").rename(columns={"file": column})
    table.to_csv(tmp_path / "p.csv", index=False)
    code, output = _analyze_folder(tmp_path, *options)
    assert code == 0, output
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert doc["dataset"]["n_examples"] == 80 and doc["skipped"] == []
    outcomes = pd.read_csv(tmp_path / "out" / "examples.csv").set_index("id")
    assert sorted(outcomes.index) == sorted(table[column])  # the ids are the names it gave
    expected = table.set_index(column)["prediction"]
    assert (outcomes["prediction"] == expected[outcomes.index]).all()
    assert (outcomes["label"] == [i.split("/")[0] for i in outcomes.index]).all()


@pytest.mark.parametrize("named", ["relative", "absolute", "under the folder's name"])
def test_an_image_folder_row_whose_file_is_gone_is_skipped_and_listed(tmp_path, named):
    table = _folder_with_repeated_names(tmp_path / "val").rename(columns={"file": "path"})
    gone = pd.DataFrame({"path": ["boot/gone.png"], "prediction": ["boot"], "site": [0]})
    table = pd.concat([table, gone], ignore_index=True)
    table["label"] = table["path"].str.split("/").str[0]
    if named == "absolute":
        table["path"] = [str(tmp_path / "val" / p) for p in table["path"]]
    elif named == "under the folder's name":
        table["path"] = "val/" + table["path"]
    table.to_csv(tmp_path / "p.csv", index=False)
    code, output = _analyze_folder(tmp_path)
    assert code == 0, output
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert doc["dataset"]["n_examples"] == 81
    assert [(s["path"], s["reason"]) for s in doc["skipped"]] == [
        (str((tmp_path / "val" / "boot" / "gone.png").resolve()), "missing file")
    ]


def test_an_image_folder_join_refuses_what_it_cannot_tell_apart(tmp_path):
    table = _folder_with_repeated_names(tmp_path / "val")
    table.assign(file=table["file"].str.split("/").str[1]).to_csv(tmp_path / "p.csv", index=False)
    code, output = _analyze_folder(tmp_path)
    assert code == 2
    assert "'0000.png' in column 'file' names 2 images" in output, output
    pd.concat([table, table.iloc[[5]]]).to_csv(tmp_path / "p.csv", index=False)
    code, output = _analyze_folder(tmp_path)
    assert code == 2
    assert "Rows [5, 80] of the predictions table (column 'file') both name the image" in output


def test_image_array_of_wrong_length():
    images, labels, predictions = _images(10, 5)
    frame = pd.DataFrame({"label": labels, "prediction": predictions})
    with pytest.raises(weakspot.InputError, match=r"shape \(n, H, W\).*n = 10"):
        weakspot.analyze(frame, images=images[:5], embed=None)


def test_user_embeddings_reach_the_finders():
    images, labels, predictions = _images(120, 6)
    frame = pd.DataFrame({"label": labels, "prediction": predictions})
    vectors = np.random.default_rng(0).normal(size=(120, 8))
    analysis = weakspot.analyze(frame, images=images, embeddings=vectors)
    assert analysis.config["embedding_dim"] == 8
    with pytest.raises(weakspot.InputError, match=r"embeddings= must have shape \(n, d\)"):
        weakspot.analyze(frame, embeddings=vectors[:3])


def test_report_shows_images_inside_and_outside_the_slice(tmp_path):
    images, labels, predictions = _images(600, 7)
    frame = pd.DataFrame({"label": labels, "prediction": predictions})
    analysis = weakspot.analyze(frame, images=images, embed=None)
    paths = weakspot.write_results(analysis, tmp_path)
    doc = json.loads(paths["json"].read_text())
    top = doc["slices"][0]
    inside_ids = {e["id"] for e in top["examples"]["inside"]}
    assert inside_ids and inside_ids <= set(top["members"])
    assert all(e["label"] != e["prediction"] for e in top["examples"]["inside"])
    assert not {e["id"] for e in top["examples"]["outside"]} & set(top["members"])
    assert all(e["image"].startswith("data:image/png;base64,") for e in top["examples"]["outside"])
    html = paths["html"].read_text()  # pictures embedded once, referenced by key
    assert html.count(' data-t="') >= 2 * len(inside_ids)
    assert all(e["image"] in html for e in top["examples"]["inside"])
    assert top["distinguishing"] and top["distinguishing"][0]["feature"] in analysis.binned.names


def test_same_images_embeddings_and_seed_give_identical_json(tmp_path):
    images, labels, predictions = _images(300, 8)
    frame = pd.DataFrame({"label": labels, "prediction": predictions})
    vectors = np.random.default_rng(1).normal(size=(300, 16))
    a = weakspot.write_results(
        weakspot.analyze(frame, images=images, embeddings=vectors, random_state=2), tmp_path / "a"
    )
    b = weakspot.write_results(
        weakspot.analyze(frame, images=images, embeddings=vectors, random_state=2), tmp_path / "b"
    )
    assert a["json"].read_bytes() == b["json"].read_bytes()


def test_metadata_named_like_an_image_property_keeps_its_name():
    images, labels, predictions = _images(200, 9)
    frame = pd.DataFrame(
        {"label": labels, "prediction": predictions, "brightness": np.arange(200) % 4}
    )
    analysis = weakspot.analyze(frame, images=images, embed=None)
    assert "brightness" in analysis.binned.names and "image_brightness" in analysis.binned.names
    assert analysis.features.info["image_brightness"][0] == "Brightness"


def test_a_sampled_image_folder_counts_what_the_table_holds_and_says_why_not_the_rest(tmp_path):
    images, labels, predictions = _images(900, 2)
    ids = _write_folder(tmp_path / "val", images, labels)
    pd.DataFrame({"id": ids, "prediction": predictions}).to_csv(tmp_path / "p.csv", index=False)
    doc = weakspot.analyze(
        tmp_path / "val", predictions=tmp_path / "p.csv", embed=None, sample=600
    ).to_dict()
    assert doc["dataset"]["sample"]["whole"]["rows"] == 900
    assert doc["dataset"]["sample"]["whole"]["errors"] == int((labels != predictions).sum())
    wholes = {s["id"]: (s["predicate"], s["whole"]) for s in doc["slices"]}
    on_pixels = [w for rule, w in wholes.values() if rule and rule[0]["feature"] != "label"]
    assert on_pixels, wholes  # the darkened third is found by its image properties
    for whole in on_pixels:  # which exist for the 600 sampled images only
        assert whole == {"counted": False, "of": 900, "reason": NOT_COUNTED_IMAGES}
