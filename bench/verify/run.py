"""Does weakspot's top action fix the planted failure? And does perturb tell cause from marker?

For each planted task with a training set (bench/planted/tasks.py: a property rare in training
and common in evaluation), a fast trainer (multinomial logistic regression on 14x14 pixels, or
with --trainer mlp a one-hidden-layer perceptron of 128 units, whose class scores need not be
linear in the pixels, or with --trainer cnn a small convolutional network, `SmallCNN`)
makes the predictions weakspot analyses (with the training table, embed=None); then the top
retrainable action is verified against a baseline retrain with the same trainer and seed, beside
plain retraining (the baseline itself) and Just-Train-Twice. Reported on the planted rows:
accuracy before/after, McNemar p, overall change, share of previously correct examples kept.

Perturbation: on each task, the model is asked whether it is sensitive to the property of
the mode that best matches the plant ("cause" tasks: the property causes the errors). Two
"marker" tasks start from clean images (the `null` task, nothing planted), give 15% of the
evaluation images a slight look (darkened x0.85 on seed 0, blurred with sigma 0.7 px on seed 1)
and flip half of their labels: the mode is those images, but the errors come from the labels,
so the right verdict is that the look only marks them.

    .venv/bin/python bench/verify/run.py                  # ~10 minutes on 2 cores
    .venv/bin/python bench/verify/run.py --trainer mlp    # a small nonlinear trainer instead
    .venv/bin/python bench/verify/run.py --trainer cnn    # a small convolutional network (torch)
    .venv/bin/python bench/verify/run.py --only rare_blur # some task kinds only
    .venv/bin/python bench/verify/run.py --only marker    # the marker tasks only
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import weakspot  # noqa: E402
from bench.planted.tasks import RARE, make_task  # noqa: E402
from weakspot.verify._inputs import problem_from_results  # noqa: E402
from weakspot.verify._perturb import perturb_modes  # noqa: E402
from weakspot.verify._run import run_verification  # noqa: E402

TASKS = [(k, s) for s in (0, 1) for k in ("rare_dark", "rare_blur", "rare_border", "rare_inverted")]
RETRAINABLE = ("reweight", "group_file", "augment", "relabel")


def pixels(images: np.ndarray) -> np.ndarray:
    """What the trainer sees: 14x14 pixels as a vector, or the whole 28x28 image for the CNN."""
    if TRAINER == "cnn":
        return images / 255.0
    small = images.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)) if images.ndim == 3 else images
    return small.reshape(len(images), -1) / 255.0


def _load(paths) -> np.ndarray:
    return np.stack([np.asarray(Image.open(p)) for p in paths])


class SmallCNN:
    """A user's kind of image classifier: two 3x3 convolutions (16 and 32 channels, each
    followed by 2x2 max-pooling) and a linear head, trained with Adam for `EPOCHS` epochs on
    sample-weighted cross-entropy (torch, CPU). Takes the images whole (n, 28, 28) in [0, 1],
    not the 14x14 pixels the other trainers see."""

    EPOCHS = 8

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def _net(self, n_classes: int):
        import torch.nn as nn

        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, n_classes),
        )  # fmt: skip

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None):
        import torch

        torch.manual_seed(self.random_state)
        self.classes_ = np.unique(y)
        target = torch.as_tensor(np.searchsorted(self.classes_, y))
        images = torch.as_tensor(x, dtype=torch.float32)[:, None]
        weight = torch.as_tensor(
            np.ones(len(x)) if sample_weight is None else sample_weight, dtype=torch.float32
        )
        self.net_ = self._net(len(self.classes_))
        optimiser = torch.optim.Adam(self.net_.parameters(), lr=2e-3)
        order = torch.Generator().manual_seed(self.random_state)
        for _ in range(self.EPOCHS):
            for batch in torch.randperm(len(x), generator=order).split(64):
                loss = torch.nn.functional.cross_entropy(
                    self.net_(images[batch]), target[batch], reduction="none"
                )
                optimiser.zero_grad()
                (loss * weight[batch]).sum().div(weight[batch].sum()).backward()
                optimiser.step()
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            scores = self.net_(torch.as_tensor(x, dtype=torch.float32)[:, None])
        return self.classes_[scores.argmax(dim=1).numpy()]


def _model(trainer: str, random_state: int):
    """The stand-in for the user's classifier: a linear model, a small nonlinear one, or a
    small convolutional network."""
    if trainer == "cnn":
        return SmallCNN(random_state)
    if trainer == "mlp":
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier((128,), alpha=1e-3, max_iter=60, random_state=random_state)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=300, C=0.5, random_state=random_state)


TRAINER = "lr"  # set by --trainer


def fit_and_predict(train, sample_weight, evaluate, random_state=0):
    model = _model(TRAINER, random_state)
    x, y = pixels(_load(train["image"])), train["label"].to_numpy()
    if sample_weight is None:
        sample_weight = np.ones(len(x))
    model.fit(x, y, sample_weight=sample_weight)  # MLPClassifier takes it since scikit-learn 1.7
    return model.predict(pixels(_load(evaluate["image"])))


def write_split(folder: Path, name: str, images: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, im in enumerate(images):
        path = folder / f"{name}{i}.png"
        Image.fromarray(im).save(path)
        paths.append(str(path))
    return pd.DataFrame(
        {"id": [f"{name}{i}" for i in range(len(images))], "image": paths, "label": labels}
    )


def _slightly_dark(img: np.ndarray) -> np.ndarray:
    return (img * 0.85).astype(np.uint8)


def _slightly_blurred(img: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(0.7)))


MARKERS = {"dark": _slightly_dark, "blur": _slightly_blurred}
MARKER_TASKS = [("dark", 0), ("blur", 1)]


def _marker_task(look: str, seed: int):
    """Clean images (the `null` task) where 15% of the evaluation images get a slight `look`
    and half of those get a wrong label: the look marks the errors, the labels cause them."""
    task = make_task("null", "fmnist", seed, n_train=2000, n_eval=1000)
    rng = np.random.default_rng(seed)
    ev_images, ev_labels = task.eval_images.copy(), task.eval_labels.copy()
    planted = rng.random(len(ev_labels)) < 0.15
    for i in np.flatnonzero(planted):
        ev_images[i] = MARKERS[look](ev_images[i])
    flip = planted & (rng.random(len(ev_labels)) < 0.5)
    ev_labels[flip] = (ev_labels[flip] + 1 + rng.integers(0, 9, flip.sum())) % 10
    return task, ev_images, ev_labels, planted


def run_task(kind: str, seed: int, root: Path, marker: bool = False) -> dict:
    """One task: `kind` a planted rare look (bench/planted/tasks.py), or with `marker` a
    look of `MARKERS` that only marks wrong labels."""
    if marker:
        task, ev_images, ev_labels, planted = _marker_task(kind, seed)
    else:
        task = make_task(kind, "fmnist", seed, n_train=2000, n_eval=1000)
        ev_images, ev_labels, planted = task.eval_images, task.eval_labels.copy(), task.planted
    folder = root / f"{kind}-{seed}{'-marker' if marker else ''}"
    train = write_split(folder / "img", "t", task.train_images, task.train_labels)
    data = write_split(folder / "img", "e", ev_images, ev_labels)
    data["prediction"] = fit_and_predict(train, np.ones(len(train)), data)
    # the tables hold absolute paths under `folder`: that folder is the image root of both
    analysis = weakspot.analyze(
        data, images=folder, train=train, train_images=folder, embed=None, random_state=seed
    )
    weakspot.write_results(analysis, folder / "results")
    problem = problem_from_results(folder / "results", train=train, data=data)
    problem.modes.append(
        {"id": "planted", "title": "planted rows", "rule": None, "members": planted}
    )
    record = {
        "task": f"marker: slightly {kind}/s{seed}" if marker else f"{kind}/s{seed}",
        "modes": len(analysis.failure_modes),
    }
    if not marker:
        record.update(_verify(problem, planted))
        record["planted_oracle"] = _oracle(kind, task.train_images, train, data, planted, folder)
    record.update(_perturb(problem, ev_images, planted, train, data))
    return record


def _oracle(kind, images, train, data, planted, folder: Path, copies: int = 1000) -> float:
    """Planted-row accuracy after training with the plant's *own* transform: copies of up to
    `copies` training images (as many as the augmentation adds), each given the planted look
    with probability 0.5, as an augmentation spec with p = 0.5 would. What an augmentation can
    reach with this trainer at best (seed 0)."""
    fn = RARE[kind][0]
    rng = np.random.default_rng(0)
    chosen = np.sort(rng.choice(len(images), min(copies, len(images)), replace=False))
    looks = [fn(images[i], rng) if rng.random() < 0.5 else images[i] for i in chosen]
    extra = write_split(folder / "oracle", "o", np.stack(looks), train["label"].to_numpy()[chosen])
    predicted = fit_and_predict(pd.concat([train, extra], ignore_index=True), None, data)
    return float((np.asarray(predicted) == data["label"].to_numpy())[planted].mean())


def _verify(problem, planted) -> dict:
    top = next((a for a in problem.actions if a["kind"] in RETRAINABLE), None)
    if top is None:
        return {"action": "none"}
    found = run_verification(
        problem, fit_and_predict, trainer_name=f"bench {TRAINER}", actions=[top["id"]], write=True
    ).doc
    act, jtt = found["actions"][0], found["alternatives"][0]
    if act["status"] != "verified":
        return {"action": f"{top['kind']} ({act['status']})"}
    p, j = act["modes"]["planted"], jtt["modes"]["planted"]
    return {
        "action": f"{top['id']} {top['kind']}",
        "transforms": top["steps"]
        .split(" as in the spec")[0]
        .removeprefix("Augment training images so that some look ")
        if top["kind"] == "augment"
        else "",
        "planted_base": p["before"]["accuracy"],
        "planted_action": p["after"]["accuracy"],
        "p_value": p["mcnemar"]["p_value"],
        "helps": p["verdict"] == "helps",
        "overall_change": act["overall"]["delta"],
        "kept_correct": act["backward_compatibility"]["kept_correct"],
        "planted_jtt": j["after"]["accuracy"],
        "jtt_overall_change": jtt["overall"]["delta"],
    }


def _perturb(problem, images, planted, train, data) -> dict:
    """The perturbation verdict for the mode that best overlaps the planted rows."""

    def jaccard(m):
        return (m["members"] & planted).sum() / max((m["members"] | planted).sum(), 1)

    modes = [m for m in problem.modes if m["id"] != "planted" and m["rule"]]
    if not modes:
        return {"perturb": "no mode"}
    best = max(modes, key=jaccard)

    model = _model(TRAINER, 0).fit(pixels(_load(train["image"])), train["label"])

    def predict(batch):
        return model.predict(pixels(batch))

    found = perturb_modes(
        problem, list(images), predict, [best["id"]], max_images=200, random_state=0
    )
    look = found[0]["look"]
    return {
        "mode": best["title"],
        "perturb": found[0]["verdict"] or found[0]["reason"][:40],
        "perturb_reproduction": found[0].get("reproduction"),
        "perturb_change": found[0].get("change"),
        "look": look["verdict"] if look is not None else "no spec",
        "look_reproduction": look["reproduction"] if look is not None else None,
        "look_change": look["change"] if look is not None else None,
        "excess": found[0].get("mode_excess_error_rate"),
        "conclusion": (found[0]["conclusion"] or {}).get("verdict"),
    }


def _score(row: dict) -> str | None:
    """The mode's conclusion scored strictly: "right" is "sensitive to ..." on a cause task
    ("partly" is not) or "... only marks ..." on a marker task, from a test whose changed
    images look like the mode's; "unconfirmed" when the conclusion carries the caveat that
    they do not; else "wrong". None without a conclusion."""
    found = row.get("conclusion")
    if not isinstance(found, str):
        return None
    marker = row["task"].startswith("marker")
    right = "only marks" in found if marker else found.startswith("sensitive to")
    if "look only partly like the mode's" in found:
        return "unconfirmed" if right else "wrong"
    return "right" if right else "wrong"


def _cell(verdict, reproduction) -> str:
    if not isinstance(verdict, str):
        return "-"
    return (
        verdict
        if reproduction is None or reproduction != reproduction
        else (f"{verdict} ({reproduction:.2f})")
    )


def markdown(rows: list[dict]) -> str:
    """The table of docs/benchmarks.md, one row per task."""
    head = (
        "| task | top action: its copies look | planted acc. baseline -> action (McNemar p) "
        "| oracle | overall change | correct kept | planted acc. JTT (overall change) "
        "| property test (reproduction) | look test (reproduction) | conclusion |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        if "planted_base" in r:
            acted = (
                f"{r['planted_base']:.3f} -> {r['planted_action']:.3f} ({r['p_value']:.2g}) "
                + ("helps" if r["helps"] else "no effect")
            )
            figures = [
                f"{r['action']}: {r['transforms']}" if r["transforms"] else r["action"],
                acted,
                f"{r['planted_oracle']:.3f}",
                f"{r['overall_change']:+.3f}",
                f"{r['kept_correct']:.1%}",
                f"{r['planted_jtt']:.3f} ({r['jtt_overall_change']:+.3f})",
            ]
        else:
            figures = [r.get("action", "-"), "-", "-", "-", "-", "-"]
        mode = f"`{r['mode']}`: " if r.get("mode") else ""
        score = _score(r)
        right = f" **{score}**" if score else ""
        tests = [
            mode + _cell(r.get("perturb"), r.get("perturb_reproduction")),
            _cell(r.get("look"), r.get("look_reproduction")),
            _cell(r.get("conclusion"), None) + right,
        ]
        lines.append("| " + " | ".join([r["task"], *figures, *tests]) + " |")
    return "\n".join(lines)


def main() -> None:
    global TRAINER
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainer", choices=["lr", "mlp", "cnn"], default="lr")
    parser.add_argument("--only", nargs="*", help="task kinds to run (default: all)")
    args = parser.parse_args()
    TRAINER = args.trainer
    tasks = [t for t in TASKS if not args.only or t[0] in args.only]
    start = time.time()
    rows = []
    print(f"trainer: {TRAINER}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for kind, seed in tasks:
            rows.append(run_task(kind, seed, Path(tmp)))
            print(rows[-1], flush=True)
        for look, seed in MARKER_TASKS if not args.only or "marker" in args.only else []:
            rows.append(run_task(look, seed, Path(tmp), marker=True))
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    verified = table[table.get("helps").notna()] if "helps" in table else table.iloc[:0]
    if len(verified):
        print(
            f"\ntop action helps the planted rows significantly in {int(verified['helps'].sum())}/"
            f"{len(verified)} tasks; overall change min {verified['overall_change'].min():+.4f}"
        )
    scored = [v for v in map(_score, rows) if v is not None]
    counts = ", ".join(f"{k} {scored.count(k)}" for k in ("right", "unconfirmed", "wrong"))
    print(f"conclusions of {len(scored)} tasks (strict): {counts}")
    print(f"{time.time() - start:.0f} s\n")
    print(markdown(rows))


if __name__ == "__main__":
    main()
