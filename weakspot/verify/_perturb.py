"""`perturb`: is the model sensitive to the property that marks a failure mode?

For a mode whose rule names an image property weakspot can set, evaluation images from
outside the mode are pushed to the mode's level of that property (the median over the mode's
members, measured by the property's extractor at each image's own size,
`weakspot.features.images.measure_images`) and predicted again. The change in error rate on
those same images, with a 95% interval (paired differences, normal approximation) and
McNemar's exact test, is compared with the mode's excess error rate (mode minus rest,
original predictions):

- ``sensitive to X``: the error rate rises significantly, by at least half the excess;
- ``partly sensitive to X``: it rises significantly, by less than half;
- ``X only marks examples that are hard for another reason``: no significant rise.

A property is settable when its `PropertyDescriptor` has a setter (a user's extractor may
declare one): of the built-ins brightness, dark_share, light_share, shadows, highlights
(additive shift), contrast and dynamic_range (scaling about the mean), sharpness, blur and
edge_density (Gaussian blur), noise (Gaussian noise), and the border's two properties. The
setter's strength is found by bisection so that the measured property reaches the target
level. A quality flag stands for the property its descriptor names it a threshold of
(``is_dark`` for brightness).

**The look test** (`look_test`): when the analysis wrote an augmentation spec for the mode
(its transforms were chosen because their copies land among the mode's images), the same
outside images get those transforms instead, and the same comparison gives "sensitive to its
look (...)". It tests the look itself where the title names a proxy of it (a frame titled by
sharpness) or something no pixel can set (``camera == C``). Each record holds the property
test's fields and ``look`` (None without a spec).

**Do the changed images look like the mode's?** A test speaks for the mode only if its changed
images land among the mode's images: each test records its ``reproduction``, measured as the
augmentation search measures its candidates (`weakspot.actions._reproduce.copies_reproduction`:
0 where the untouched images lie, 1 where the mode's members do). A single property pushed to
the mode's level can overshoot the mode: ``light_share < 0.0001`` holds for images darkened by
only 15%, and reaching it with an additive shift darkens every image far more, which a model
may well feel without the mode's images failing for that reason. The record's ``conclusion``
is the verdict of the test whose changed images look like the mode's (reproduction at least
`MIN_REPRODUCTION`), the look test first; when neither does, that of the test that comes
nearer, with that caveat.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

from weakspot.actions import MIN_REPRODUCTION, copies_reproduction, measure_pixels
from weakspot.actions.augment import apply_spec
from weakspot.features.images import PropertyDescriptor, measure_images, property_descriptors
from weakspot.tasks import Classification
from weakspot.verify._compare import ALPHA, mcnemar
from weakspot.verify._inputs import original_correct
from weakspot.verify._trainer import TrainerError, as_labels


def settable_properties() -> dict[str, PropertyDescriptor]:
    """The registered properties `perturb` can set: those whose descriptor has a setter."""
    return {c: d for c, d in property_descriptors().items() if d.setter is not None}


def flag_properties() -> dict[str, str]:
    """Quality flag -> the settable property it thresholds (``is_dark`` -> brightness)."""
    return {flag: c for c, d in settable_properties().items() for flag in d.flags}


def measure(image: np.ndarray, name: str) -> float:
    """One property of one uint8 image, shape (H, W) or (H, W, 3), at the image's own size."""
    return float(measure_images([image], [name], full_size=True)[0, 0])


def set_property(
    image: np.ndarray, name: str, level: float, seed: int = 0, steps: int = 18
) -> np.ndarray:
    """`image` with property `name` pushed to `level` (bisection on the strength of the setter
    its descriptor declares)."""
    setter = settable_properties()[name].setter
    assert setter is not None, "settable_properties holds only properties with a setter"
    if setter.lowering is not None and level < measure(image, name):
        # the setter moves the property one way only (added noise never lowers the noise)
        setter = setter.lowering
    low, high = (float(s) for s in setter.strengths)

    def at(p: float) -> tuple[np.ndarray, float]:
        out = setter.apply(image, p, np.random.default_rng(seed))
        return out, measure(out, name)

    lo_img, lo_val = at(low)
    hi_img, hi_val = at(high)
    rising = hi_val >= lo_val
    best = min(((lo_img, lo_val), (hi_img, hi_val)), key=lambda t: abs(t[1] - level))
    for _ in range(steps):
        mid = (low + high) / 2
        img, val = at(mid)
        if abs(val - level) < abs(best[1] - level):
            best = (img, val)
        if (val < level) == rising:
            low = mid
        else:
            high = mid
    return best[0]


def settable_condition(rule: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """The first condition of a mode's rule on a property weakspot can set, or None.

    ``is_dark == True`` (and the other flags of `flag_properties`) stands for its property:
    the images are pushed to the mode's median brightness, and the condition records the
    flag it came from (``via``).
    """
    settable, flags = settable_properties(), flag_properties()
    for condition in rule or []:
        feature = condition.get("feature")
        if feature in settable:
            return condition
        flag_set = condition.get("op") == "==" and str(condition.get("value")) == "True"
        if feature in flags and flag_set:
            return {"feature": flags[feature], "op": "median", "via": feature}
    return None


def perturbation_test(
    images: list[np.ndarray],
    labels: np.ndarray,
    members: np.ndarray,
    original_wrong: np.ndarray,
    condition: dict[str, Any],
    predict: Callable[[np.ndarray], Any],
    classes: list[str],
    *,
    max_images: int = 300,
    alpha: float = ALPHA,
    random_state: int = 0,
    properties: np.ndarray | None = None,
) -> dict[str, Any]:
    """Push outside images to the mode's level of the condition's property; see the module.

    Parameters
    ----------
    images : list of uint8 ndarray, each (H, W) or (H, W, 3)
        The evaluation images, in the analysis's order.
    labels : ndarray of str, shape (n,)
    members : bool ndarray, shape (n,)
        The mode's members.
    original_wrong : bool ndarray, shape (n,)
        Errors of the original predictions (the mode's excess is measured on them).
    properties : ndarray of float, shape (n, p), optional
        Every evaluation image's pixel properties (`measure_pixels`): with them the pushed
        images' resemblance to the mode is checked (``reproduction``; see the module).
    """
    name = condition["feature"]
    level = float(np.median([measure(images[k], name) for k in np.flatnonzero(members)]))
    outside = _outside(members, max_images, random_state)
    pushed = [set_property(images[k], name, level, seed=random_state + int(k)) for k in outside]
    found = _pushed_change(
        images, pushed, outside, labels, members, original_wrong, predict, classes, name, alpha
    )
    found["reproduction"] = _resemblance(properties, labels, members, outside, pushed)
    return {"property": name, "condition": condition, "mode_level": round(level, 4), **found}


def look_test(
    images: list[np.ndarray],
    labels: np.ndarray,
    members: np.ndarray,
    original_wrong: np.ndarray,
    spec: dict[str, Any],
    predict: Callable[[np.ndarray], Any],
    classes: list[str],
    *,
    max_images: int = 300,
    alpha: float = ALPHA,
    random_state: int = 0,
    properties: np.ndarray | None = None,
) -> dict[str, Any]:
    """Give outside images the mode's *look*, the transforms of its augmentation spec (each
    applied, p = 1), and measure the change in error rate as `perturbation_test` does.

    The spec's transforms were chosen because their copies land among the mode's images
    (`weakspot.actions._reproduce`), so this tests the look itself even when the mode's
    title names a proxy of it or a camera; the verdict reads "sensitive to its look (...)".
    """
    always = [{**t, "p": 1.0} for t in spec["transform"]["transforms"]]
    every = {**spec, "transform": {**spec["transform"], "p": 1.0, "transforms": always}}
    outside = _outside(members, max_images, random_state)
    pushed = [
        apply_spec(every, images[k], np.random.default_rng(random_state + int(k))) for k in outside
    ]
    names = [t["__class_fullname__"] for t in always]
    found = _pushed_change(
        images,
        pushed,
        outside,
        labels,
        members,
        original_wrong,
        predict,
        classes,
        f"its look ({', '.join(dict.fromkeys(names))})",
        alpha,
    )
    found["reproduction"] = _resemblance(properties, labels, members, outside, pushed)
    return {"transforms": names, **found}


def _resemblance(
    properties: np.ndarray | None,
    labels: np.ndarray,
    members: np.ndarray,
    outside: np.ndarray,
    pushed: list[np.ndarray],
) -> float | None:
    """How far the pushed images land among the mode's (`copies_reproduction`), rounded;
    None without the evaluation's properties or a look to compare with."""
    if properties is None:
        return None
    found = copies_reproduction(properties, labels, members, outside, measure_pixels(pushed)[0])
    return None if found is None else round(float(found), 3)


def conclusion(record: dict[str, Any]) -> dict[str, Any] | None:
    """The mode's one reading from its two tests (see the module), or None when neither ran.

    The test whose changed images look like the mode's (``reproduction`` at least
    `MIN_REPRODUCTION`) speaks for the mode, the look test first: a push that lands elsewhere
    (past the mode, or beside it) tests the model on images the mode does not hold. When
    neither lands, the one that comes nearer speaks, with that caveat; when neither could be
    measured, the property test.
    """
    tests = [("look", record.get("look")), ("property", record)]
    ran = [(name, t) for name, t in tests if t and t.get("verdict")]
    if not ran:
        return None
    for name, test in ran:
        if test.get("reproduction") is not None and test["reproduction"] >= MIN_REPRODUCTION:
            return {"verdict": test["verdict"], "test": name, "reproduction": test["reproduction"]}
    measured = [(name, t) for name, t in ran if t.get("reproduction") is not None]
    name, test = max(measured, key=lambda p: p[1]["reproduction"]) if measured else ran[-1]
    verdict, reproduction = test["verdict"], test.get("reproduction")
    if reproduction is not None:
        verdict += (
            f" (but the changed images look only partly like the mode's: reproduction "
            f"{reproduction:.2f}, under {MIN_REPRODUCTION})"
        )
    return {"verdict": verdict, "test": name, "reproduction": reproduction}


def _outside(members: np.ndarray, max_images: int, random_state: int) -> np.ndarray:
    """Up to `max_images` evaluation rows outside the mode, a seeded sample in row order."""
    outside = np.flatnonzero(~members)
    if len(outside) > max_images:
        rng = np.random.default_rng(random_state)
        outside = np.sort(rng.choice(outside, max_images, replace=False))
    return outside


def _pushed_change(
    images: list[np.ndarray],
    pushed: list[np.ndarray],
    outside: np.ndarray,
    labels: np.ndarray,
    members: np.ndarray,
    original_wrong: np.ndarray,
    predict: Callable[[np.ndarray], Any],
    classes: list[str],
    what: str,
    alpha: float,
) -> dict[str, Any]:
    """The error rate of the `outside` images before and after the push, with its interval,
    McNemar's test and the verdict against the mode's excess error rate."""
    # a classifier's `predict` (perturbation checks a classifier): its task's loss says wrong
    loss = Classification().loss
    before = loss(labels[outside], _predict(predict, [images[k] for k in outside], classes)) > 0
    after = loss(labels[outside], _predict(predict, pushed, classes)) > 0
    diff = after.astype(float) - before.astype(float)
    rise = float(diff.mean())
    half = 1.96 * float(diff.std(ddof=1)) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
    test = mcnemar(~before, ~after)  # "fixed" = became right, "broken" = became wrong
    excess = float(original_wrong[members].mean() - original_wrong[~members].mean())
    significant = test["p_value"] < alpha and test["broken"] > test["fixed"]
    if significant and rise >= 0.5 * excess:
        verdict = f"sensitive to {what}"
    elif significant:
        verdict = f"partly sensitive to {what}"
    else:
        verdict = f"{what} only marks examples that are hard for another reason"
    return {
        "n_images": int(len(outside)),
        "error_rate_before": round(float(before.mean()), 4),
        "error_rate_after": round(float(after.mean()), 4),
        "change": round(rise, 4),
        "ci": [round(rise - half, 4), round(rise + half, 4)],
        "mcnemar": {
            "became_right": test["fixed"],
            "became_wrong": test["broken"],
            "p_value": test["p_value"],
        },
        "mode_excess_error_rate": round(excess, 4),
        "verdict": verdict,
    }


def _predict(
    predict: Callable[[np.ndarray], Any], images: list[np.ndarray], classes: list[str]
) -> np.ndarray:
    """Predict a batch of images of one shape (resized to the first's when they differ)."""
    shape = images[0].shape
    same = [
        im if im.shape == shape else np.asarray(Image.fromarray(im).resize(shape[1::-1]))
        for im in images
    ]
    try:
        out = predict(np.stack(same))
    except Exception as error:  # the user's code: any failure is reported, not raised through
        name = getattr(predict, "__name__", "predict")
        raise TrainerError(
            f"predict ({name}) raised {type(error).__name__} on a batch of {len(same)} images "
            f"of shape {shape}: {error}"
        ) from error
    return as_labels(out, len(same), classes, source="predict")


def perturb_modes(
    problem: Any,
    images: list[np.ndarray | None],
    predict: Callable[[np.ndarray], Any],
    modes: Sequence[str] | None,
    *,
    max_images: int,
    random_state: int,
) -> list[dict[str, Any]]:
    """`perturbation_test` for each chosen mode of a `Problem` whose rule names a settable
    property (the others get ``verdict: None`` and the reason), and `look_test` as ``look``
    for each that has an augmentation spec (None without one). Rows whose image is None
    (unreadable, see `read_images`) take part in nothing."""
    ev = problem.evaluate
    keep = np.array([im is not None for im in images], dtype=bool)
    readable = [im for im in images if im is not None]
    labels = ev.labels[keep]
    original = original_correct(problem)
    if original is None:  # no predictions in the table: the model's own errors
        original = ~problem.wrong(_predict(predict, readable, problem.classes), keep)
    else:
        original = original[keep]
    properties = measure_pixels(readable)[0]
    results = []
    for mode in problem.modes:
        if modes is not None and mode.id not in modes:
            continue
        head = {"failure_mode": mode.id, "title": mode.title}
        members = problem.members(mode)[keep]
        if not members.any() or members.all():
            reason = "no readable image in the mode" if not members.any() else "no image outside it"
            results.append({**head, "verdict": None, "reason": reason, "look": None,
                            "conclusion": None})  # fmt: skip
            continue
        spec = _augment_spec(problem, mode.id)
        look: dict[str, Any] = {"look": None}
        if spec is not None:
            look["look"] = look_test(
                readable,
                labels,
                members,
                ~original,
                spec,
                predict,
                problem.classes,
                max_images=max_images,
                random_state=random_state,
                properties=properties,
            )
        condition = settable_condition(
            None if mode.rule is None else [c.to_dict() for c in mode.rule]
        )
        if condition is None:
            settable = sorted([*settable_properties(), *flag_properties()])
            reason = f"its rule names no property weakspot can set ({settable})"
            record = {**head, "verdict": None, "reason": reason, **look}
            results.append({**record, "conclusion": conclusion(record)})
            continue
        found = perturbation_test(
            readable,
            labels,
            members,
            ~original,
            condition,
            predict,
            problem.classes,
            max_images=max_images,
            random_state=random_state,
            properties=properties,
        )
        record = {**head, **found, **look}
        results.append({**record, "conclusion": conclusion(record)})
    return results


def _augment_spec(problem: Any, mode_id: str) -> dict[str, Any] | None:
    """The mode's augmentation spec from the analysis's actions, or None."""
    for action in problem.actions:
        if action.kind == "augment" and action.failure_mode == mode_id:
            return json.loads(action.text) if action.text else None
    return None
