"""The plug-in contract: every registered plug-in of every registry, run through the same checks.

A new registry joins by adding its entry to `REGISTRIES` and a contract test below that is
parametrised over `plugins(...)`. A registry whose module is not on this branch yet (engines,
diagnoses) is skipped by `pytest.importorskip`, not failed, so its contract can be written
before it lands; once the module exists, every plug-in in it is checked.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import numpy as np
import pytest

from tests.explain.embedding_tasks import embedding_task
from weakspot.features import Condition
from weakspot.slices import FINDERS, FinderOutput, make_finder, select_slices
from weakspot.tasks import Outcomes

# (module, registry attribute): module import registers the built-in plug-ins
REGISTRIES = [
    ("weakspot.slices", "FINDERS"),
    ("weakspot.features.images", "PROPERTY_EXTRACTORS"),
    ("weakspot.engine", "ENGINES"),  # the Engine seam (issue 7, item 4): not on every branch
    ("weakspot.diagnoses", "DIAGNOSES"),  # diagnoses: not on every branch yet
]


def registry(module: str, attribute: str) -> dict[str, Any]:
    """The registry, or a skip when its module is not there (yet)."""
    found = pytest.importorskip(module, reason=f"{module} is not on this branch yet")
    if not hasattr(found, attribute):
        pytest.skip(f"{module} has no {attribute} yet")
    return getattr(found, attribute)


def plugins(module: str, attribute: str) -> list[str]:
    """Names registered in a registry, for parametrising at collection time ([] if absent)."""
    try:
        return list(getattr(importlib.import_module(module), attribute, {}))
    except ImportError:
        return []


@pytest.mark.parametrize(("module", "attribute"), REGISTRIES)
def test_every_registry_keys_its_plugins_by_their_name(module, attribute):
    entries = registry(module, attribute)
    assert entries, f"{module}.{attribute} registers nothing"
    for name, cls in entries.items():
        assert isinstance(name, str) and name
        # diagnoses are keyed by the cause they test, everything else by its name
        assert getattr(cls, "name", None) == name or getattr(cls, "cause", None) == name


# -- slice finders ---------------------------------------------------------------------------

KNOWN_NEEDS = {"embeddings", "probabilities", "classes"}  # what SearchContext.available can offer


def _as_text(value: Any) -> str:
    """An option's default as the command line would give it (``--finder-option f.o=TEXT``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


@pytest.fixture(scope="module")
def planted():
    return embedding_task(0, n=1500, d=16, n_blobs=6, within_class=True).context


@pytest.mark.parametrize("name", plugins("weakspot.slices", "FINDERS"))
def test_finder_declares_needs_and_options_the_registry_can_use(name):
    cls = FINDERS[name]
    finder = make_finder(name)
    assert isinstance(finder, cls) and dataclasses.is_dataclass(finder)
    assert isinstance(cls.needs, frozenset) and cls.needs <= KNOWN_NEEDS
    assert callable(finder.find)
    # every option is a dataclass field with a default, settable from the command line's text
    for spec in dataclasses.fields(cls):
        assert spec.default is not dataclasses.MISSING, f"{name}.{spec.name} has no default"
        again = make_finder(name, {spec.name: _as_text(spec.default)})
        assert getattr(again, spec.name) == spec.default


@pytest.mark.parametrize("name", plugins("weakspot.slices", "FINDERS"))
def test_finder_output_has_the_promised_shapes(name, planted):
    output = make_finder(name).find(planted)
    n = len(planted.errors)
    assert isinstance(output, FinderOutput)
    assert output.slices, f"{name} proposes nothing on a task with a planted failure"
    family, proposed = output.family_p_values, output.proposed_p_values
    assert family.ndim == 1 and proposed.shape == (len(output.slices),)
    assert np.all((family >= 0) & (family <= 1)) and np.all((proposed >= 0) & (proposed <= 1))
    # each proposed hypothesis is one of the family Benjamini-Hochberg is taken over
    assert np.isin(proposed, family).all()
    assert all(isinstance(note, str) for note in output.notes)
    for item in output.slices:
        members = item.members
        assert np.issubdtype(members.dtype, np.integer) and members.ndim == 1
        assert len(members) > 0 and members[0] >= 0 and members[-1] < n
        assert np.all(np.diff(members) > 0), "members sorted ascending, without repeats"
        assert item.method == name
        assert (item.stats, item.rank, item.aliases) == (None, 0, ())  # select_slices's job
        if item.conditions is not None:
            assert all(isinstance(c, Condition) for c in item.conditions)
            assert {c.feature for c in item.conditions} <= set(planted.binned.names)


@pytest.mark.parametrize("name", plugins("weakspot.slices", "FINDERS"))
def test_finder_proposes_nothing_when_every_prediction_is_right(name, planted):
    output = make_finder(name).find(
        dataclasses.replace(
            planted,
            outcomes=dataclasses.replace(planted.outcomes, loss=np.zeros(len(planted.errors))),
        )
    )
    assert output.slices == []
    assert output.family_p_values.shape == output.proposed_p_values.shape == (0,)


def _without(context, need):
    """`context` less what a finder may need."""
    if need == "embeddings":
        return dataclasses.replace(context, embeddings=None)
    if need == "classes":  # the same loss, as a task without classes would give it
        return dataclasses.replace(context, outcomes=Outcomes(context.outcomes.loss))
    return dataclasses.replace(context, outcomes=dataclasses.replace(context.outcomes, proba=None))


@pytest.mark.parametrize(
    "name", [n for n in plugins("weakspot.slices", "FINDERS") if FINDERS[n].needs]
)
def test_finder_without_what_it_needs_proposes_nothing(name, planted):
    for need in FINDERS[name].needs:
        output = make_finder(name).find(_without(planted, need))
        assert output.slices == [] and output.proposed_p_values.shape == (0,)


@pytest.mark.parametrize("seed", [100, 101])
@pytest.mark.parametrize("name", plugins("weakspot.slices", "FINDERS"))
def test_on_random_errors_nothing_a_finder_proposes_survives_selection(name, seed):
    context = embedding_task(seed, n=1500, d=16, n_blobs=6, null=True).context
    output = make_finder(name).find(context)
    slices, _ = select_slices([output], context.errors, min_support=context.min_support)
    assert slices == []


# -- image property extractors ---------------------------------------------------------------


@pytest.fixture(scope="module")
def image_batch():
    images = pytest.importorskip("weakspot.features.images")
    from weakspot.features.images._decode import decode_array

    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, size=(24, 32), dtype=np.uint8) for _ in range(3)]
    arrays += [rng.integers(0, 256, size=(40, 30, 3), dtype=np.uint8) for _ in range(2)]
    return images.ImageBatch([decode_array(a, net_size=None) for a in arrays])


@pytest.mark.parametrize("name", plugins("weakspot.features.images", "PROPERTY_EXTRACTORS"))
def test_property_extractor_fills_each_declared_column_once_per_image(name, image_batch):
    cls = registry("weakspot.features.images", "PROPERTY_EXTRACTORS")[name]
    assert isinstance(cls.version, str) and cls.version
    described = pytest.importorskip("weakspot.features.images").property_descriptors()
    for column in cls.columns:
        descriptor = described[column]  # a (name, unit) pair reads as a derived property
        assert column.isidentifier() and descriptor.name and isinstance(descriptor.unit, str)
        assert descriptor.kind in ("photographic", "content", "derived", "quality")
    values = cls().measure(image_batch)
    assert set(values) == set(cls.columns)
    for column, column_values in values.items():
        column_values = np.asarray(column_values, dtype=float)
        assert column_values.shape == (len(image_batch),), column
        assert not np.isinf(column_values).any(), column


# -- engines (weakspot.engine.ENGINES) -------------------------------------------------------


def _engine(name: str, request: pytest.FixtureRequest):
    """The engine `name`, built as a test can run it."""
    cls = registry("weakspot.engine", "ENGINES")[name]
    if name == "dask":
        # the session's local cluster (the `dask_client` fixture of tests/conftest.py, where
        # the engine branch defines it), shared with the engine's own tests
        pytest.importorskip("distributed")
        return cls(request.getfixturevalue("dask_client"), rows_per_partition=200)
    return cls()


@pytest.mark.parametrize("name", plugins("weakspot.engine", "ENGINES"))
def test_engine_kernels_equal_a_recount(name, request):
    engine = _engine(name, request)
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, size=(500, 3))
    errors = (rng.random(500) < 0.2).astype(float)
    rows = engine.put_rows(codes, errors)
    assert (rows.n_rows, rows.n_features, rows.error_sum) == (500, 3, errors.sum())
    domains = np.array([3, 3, 3], dtype=np.int64)
    combos = np.array([[0, 2]])
    cells = [np.arange(9, dtype=np.int64)]
    counts = engine.count_cells(rows, combos, domains, cells)
    cell = codes[:, 0] + 3 * codes[:, 2]  # first feature fastest
    np.testing.assert_array_equal(counts.sizes, np.bincount(cell, minlength=9))
    np.testing.assert_array_equal(counts.errors, np.bincount(cell, weights=errors, minlength=9))
    values = rng.normal(size=400)
    probabilities = np.array([0.2, 0.4, 0.6, 0.8])
    np.testing.assert_array_equal(
        engine.quantiles(values, probabilities), np.quantile(values, probabilities)
    )
    squares = engine.map_chunks(lambda x: x * x, range(7), workers=2, lookahead=2)
    assert list(squares) == [x * x for x in range(7)]
