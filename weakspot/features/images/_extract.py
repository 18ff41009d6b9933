"""`extract_image_features`: decode, measure, embed and flag a set of images, streaming.

Images go through in chunks of `batch_size`: worker threads read, hash, decode and measure the
next chunks while the main thread embeds the current one, so memory holds a few chunks of
pixels whatever the number of images. Finished chunks go to the feature cache. On a cluster
(``engine="dask"``) each chunk is one task that does all of it on its worker, the backbone and
the cache write included; the client only gathers the rows.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import ImageError, InputError
from weakspot.engine import Engine, get_engine
from weakspot.features.images._backbones import Backbone, for_workers, resolve_backbone
from weakspot.features.images._cache import (
    FeatureCache,
    cache_limit_bytes,
    evict_lru,
    user_cache_root,
)
from weakspot.features.images._decode import (
    HASH_SIDE,
    THUMB_SIDE,
    DecodedImage,
    DecodeFailure,
    array_hash,
    content_hash,
    decode_array,
    decode_bytes,
    hash_inputs,
    read_file,
)
from weakspot.features.images._descriptors import PropertyDescriptor
from weakspot.features.images._extractors import (
    ImageBatch,
    extractor_columns,
    extractors_key,
    measure_properties,
    property_descriptors,
)
from weakspot.features.images._fit_size import cpu_count, fitted_input_size, thread_split
from weakspot.features.images._flags import FLAG_DESCRIPTORS, compute_flags, perceptual_hash

logger = logging.getLogger("weakspot.features.images")

EXTRACTOR_VERSION = "1"
_MAX_PHRASES = 64

CONCEPT_COLUMNS: dict[str, tuple[str, str]] = {
    "concept": ("Concept", "top-1 backbone class or phrase"),
    "concept_score": ("Concept score", "softmax probability or cosine similarity"),
}
FLAG_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    name: (d.name, d.unit) for name, d in FLAG_DESCRIPTORS.items()
}


@dataclass
class ImageFeatures:
    """Features of a set of images, one row per input image in input order.

    Attributes
    ----------
    properties : DataFrame, shape (n_images, n_properties)
        Interpretable properties; rows of skipped images are NaN.
    flags : DataFrame of bool, shape (n_images, 10)
        Quality flags (``is_dark`` ... ``is_outlier``); False for skipped images.
    concepts : DataFrame or None, shape (n_images, >= 2)
        ``concept`` (str, None when skipped) and ``concept_score``, plus one ``phrase_<slug>``
        score column per phrase for a text-aligned backbone.
    embeddings : ndarray of float32, shape (n_images, d), or None
        Rows of skipped images are NaN, so that they can never pass for a real image.
    skipped : list of dict
        ``{"index": i, "path": str, "reason": str}`` for each image that could not be read.
    columns : dict of str to (str, str)
        Column name -> (human name, unit) for every column above.
    n_cached : int
        Images whose features came from the cache rather than being computed.
    descriptors : dict of str to PropertyDescriptor
        What each property and flag column means to the later stages (its extractor's
        declaration; see `property_descriptors`).
    """

    properties: pd.DataFrame
    flags: pd.DataFrame
    concepts: pd.DataFrame | None
    embeddings: np.ndarray | None
    skipped: list[dict[str, Any]]
    columns: dict[str, tuple[str, str]]
    n_cached: int = 0
    descriptors: dict[str, PropertyDescriptor] = field(default_factory=dict)


@dataclass
class _Item:
    index: int
    key: str | None = None
    decoded: DecodedImage | None = None
    cached: dict[str, np.ndarray] | None = None
    reason: str | None = None


@dataclass
class _Results:
    """Growing output of a run; arrays are allocated once, rows filled chunk by chunk."""

    n: int
    properties: np.ndarray = field(init=False)
    thumb_hash: np.ndarray = field(init=False)
    phash: np.ndarray = field(init=False)
    embeddings: np.ndarray | None = None
    concept_index: np.ndarray = field(init=False)
    concept_score: np.ndarray = field(init=False)
    phrase_scores: np.ndarray | None = None
    skipped: list[dict[str, Any]] = field(default_factory=list)
    n_cached: int = 0

    def __post_init__(self) -> None:
        self.properties = np.full((self.n, len(extractor_columns())), np.nan)
        self.thumb_hash = np.full(self.n, "", dtype=object)
        self.phash = np.zeros(self.n, dtype=np.uint64)
        self.concept_index = np.full(self.n, -1, dtype=np.int64)
        self.concept_score = np.full(self.n, np.nan, dtype=np.float32)

    def put(self, index: int | np.ndarray, row: dict[str, np.ndarray]) -> None:
        """Fill the rows `index` (one row, or an array of rows) from `row` (same first axis)."""
        self.properties[index] = row["properties"]
        hashes = row["thumb_hash"]
        one = np.ndim(hashes) == 0
        self.thumb_hash[index] = (
            str(hashes) if one else np.asarray(hashes, dtype=str).astype(object)
        )
        self.phash[index] = row["phash"]
        if "embeddings" in row:
            if self.embeddings is None:
                self.embeddings = np.full((self.n, row["embeddings"].shape[-1]), np.nan, np.float32)
            self.embeddings[index] = row["embeddings"]
        if "concept_index" in row:
            self.concept_index[index] = row["concept_index"]
            self.concept_score[index] = row["concept_score"]
        if "phrase_scores" in row:
            if self.phrase_scores is None:
                self.phrase_scores = np.full((self.n, row["phrase_scores"].shape[-1]), np.nan)
            self.phrase_scores[index] = row["phrase_scores"]


def extract_image_features(
    images: Sequence[str | Path] | np.ndarray,
    *,
    embed: str | Path | Any | None = "efficientnet",
    layer: str | None = None,
    embeddings: np.ndarray | str | Path | None = None,
    concepts: bool = True,
    labels: Sequence[Any] | np.ndarray | pd.Series | None = None,
    cache: bool = True,
    cache_dir: str | Path | None = None,
    embed_size: int | str = "auto",
    batch_size: int = 64,
    n_jobs: int | None = None,
    max_failed_share: float = 0.2,
    flag_k: float = 3.0,
    progress: Callable[[int, int], None] | None = None,
    engine: str | Engine | None = None,
) -> ImageFeatures:
    """Interpretable properties, quality flags, embeddings and concepts of a set of images.

    Parameters
    ----------
    images : list of str or Path, or ndarray
        Image files, or pixels of shape (n, H, W) or (n, H, W, C) with C in 1, 3, 4, as uint8
        or float (floats up to 1.0 are read as 0-1).
    embed : "efficientnet", None, str or Path to an .onnx file, torch.nn.Module or Backbone
        The backbone for embeddings; "efficientnet" is ImageNet EfficientNet-Lite0 (offline).
    layer : str or None
        Intermediate output (ONNX tensor, torch module name) to embed with; default: the input
        of the model's last dense layer.
    embeddings : ndarray of shape (n, d), or path to a .npy file, or None
        The user's own embeddings; when given, no backbone runs.
    concepts : bool
        Tag each image with its top backbone concept (ImageNet class or phrase).
    labels : sequence of length n, or None
        Class of each image; flag thresholds are then set per class.
    cache : bool
        Keep the features in a cache keyed by content and extractor version, so that a second
        run over the same images computes nothing; False neither reads nor writes it.
    cache_dir : str or Path or None
        The cache folder; default the user's cache folder (``$WEAKSPOT_CACHE_DIR``, else
        platformdirs' ``user_cache_dir("weakspot")``), kept under ``$WEAKSPOT_CACHE_MAX_MB``
        (default 2048) by deleting the least recently used files.
    embed_size : "auto" or int
        Input side of the default backbone; "auto" takes a smaller input for small images
        (see `fitted_input_size`), an int forces that size.
    batch_size : int
        Images per chunk (decode, backbone batch, cache file).
    n_jobs : int or None
        Decode threads, and the backbone's threads (capped at the CPUs this process may use).
        None: when a backbone runs, one decode thread per 8 CPUs (at least one) and the other
        CPUs for the backbone; else every CPU decodes (`thread_split`).
    max_failed_share : float
        Raise `ImageError` once more than this share of the images cannot be read.
    flag_k : float
        Flags fire beyond ``median +/- flag_k * 1.4826 * MAD``.
    progress : callable (done, total) or None
        Called after each chunk.
    engine : str, Engine or None
        Where chunks are read, decoded and measured (see `weakspot.engine.get_engine`);
        default: the decode threads (`n_jobs`) of this process, with the backbone in this
        thread. On a cluster each worker also embeds its chunks (the default and ONNX
        backbones are re-opened there from their file, with one onnxruntime thread per worker
        thread; torch modules are pickled) and writes them to the feature cache, which must
        then be a folder every worker can reach (shared storage).

    Returns
    -------
    ImageFeatures
    """
    source = _Source.of(images)
    n = len(source)
    _check_options(n, labels, batch_size, n_jobs, max_failed_share)
    user_embeddings = _user_embeddings(embeddings, n)
    backbone = None
    embeds = user_embeddings is None and embed is not None
    workers, threads = thread_split(n_jobs, embeds=embeds, cores=cpu_count())
    if embeds or embed_size != "auto":  # a forced size is checked even when nothing embeds
        size = fitted_input_size(source, embed_size)
    if embeds:
        backbone = resolve_backbone(embed, layer=layer, input_size=size, threads=threads)
    root = (Path(cache_dir) if cache_dir is not None else user_cache_root()) if cache else None
    store = FeatureCache(root, _config(backbone)) if root is not None else None
    results = _Results(n)
    work = _ChunkWork(source, store, backbone)
    ranges = (range(i, min(i + batch_size, n)) for i in range(0, n, batch_size))
    runner = get_engine(engine)
    mapped = runner.map_chunks(work, ranges, workers=workers, lookahead=workers + 1)
    with _torch_threads(backbone, threads), closing(mapped) as chunks:
        done = 0
        for chunk in chunks:
            _process(chunk, results, backbone, store, source, max_failed_share)
            done += len(chunk.items)
            if progress is not None:
                progress(done, n)
    if root is not None:
        evict_lru(root, cache_limit_bytes())
    _warn_skipped(results.skipped, n)
    return _assemble(results, backbone, concepts, user_embeddings, labels, flag_k, runner)


class _Source:
    """Paths or an array, loaded one image at a time: ``(content hash, decoder)``."""

    def __init__(
        self, paths: list[str] | None, array: np.ndarray | None, *, offset: int = 0
    ) -> None:
        self.paths, self.array, self.offset = paths, array, offset

    def part(self, rows: range) -> _Source:
        """The images of `rows` only, still addressed by their indices in the whole source."""
        if self.paths is not None:
            return _Source(self.paths[rows.start : rows.stop], None, offset=rows.start)
        return _Source(None, self.array[rows.start : rows.stop], offset=rows.start)  # type: ignore[index]

    @classmethod
    def of(cls, images: Any) -> _Source:
        if isinstance(images, np.ndarray):
            if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[3] not in (1, 3, 4)):
                raise InputError(
                    f"An image array must have shape (n, H, W) or (n, H, W, C) with C in 1, 3, 4; "
                    f"got {images.shape}. Reshape it, e.g. images.reshape(-1, 28, 28)."
                )
            return cls(None, images)
        if isinstance(images, str | Path):
            raise InputError(
                f"images={str(images)!r} is one path; pass a list of image paths, or use "
                "load_images_source(folder)['path'] for a folder of class sub-folders."
            )
        paths = list(images)
        bad = [p for p in paths if not isinstance(p, str | Path)]
        if bad:
            raise InputError(
                f"images must be file paths (str or Path) or one ndarray; got {type(bad[0])!r}."
            )
        return cls([str(p) for p in paths], None)

    def __len__(self) -> int:
        return len(self.paths) if self.paths is not None else len(self.array)  # type: ignore[arg-type]

    def name(self, i: int) -> str:
        return str(self.paths[i]) if self.paths is not None else f"<array row {i}>"

    def key_and_pixels(self, i: int) -> tuple[str, bytes | np.ndarray]:
        if self.paths is not None:
            data = read_file(self.paths[i - self.offset])
            return content_hash(data), data
        row = self.array[i - self.offset]  # type: ignore[index]
        return array_hash(row), row


def _check_options(n: int, labels: Any, batch_size: int, n_jobs: int | None, share: float) -> None:
    if n == 0:
        raise InputError("No images were given; pass at least one image path or array row.")
    if labels is not None and len(labels) != n:
        raise InputError(f"labels has {len(labels)} entries but there are {n} images.")
    if batch_size < 1 or (n_jobs is not None and n_jobs < 1):
        raise InputError(
            f"batch_size and n_jobs must be >= 1 (n_jobs=None chooses the threads); got "
            f"{batch_size} and {n_jobs}."
        )
    if not 0 <= share <= 1:
        raise InputError(f"max_failed_share must be between 0 and 1; got {share}.")


def _user_embeddings(embeddings: Any, n: int) -> np.ndarray | None:
    from weakspot.inputs import load_embeddings

    return load_embeddings(embeddings, n)


def _config(backbone: Backbone | None) -> str:
    name = backbone.name if backbone is not None else "none"
    key = f"weakspot-images v{EXTRACTOR_VERSION} thumb={THUMB_SIDE} backbone={name}"
    # the built-in properties alone keep the key they had before extractors were plug-ins
    extractors = extractors_key()
    return key if extractors == "pixels:1" else f"{key} properties={extractors}"


class _torch_threads:
    """Context manager: run torch with `n` threads, then restore the previous setting."""

    def __init__(self, backbone: Backbone | None, n: int) -> None:
        self.torch = sys.modules.get("torch") if backbone is not None else None
        self.n, self.before = n, 0

    def __enter__(self) -> None:
        if self.torch is not None:
            self.before = self.torch.get_num_threads()
            self.torch.set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        if self.torch is not None:
            self.torch.set_num_threads(self.before)


@dataclass
class _Chunk:
    """A chunk after its task: items, plus fields computed for the fresh ones.

    ``nets`` holds the backbone inputs still to embed (empty once embedded), and ``stored``
    says whether the task already wrote the fresh rows to the feature cache.
    """

    items: list[_Item]
    fresh: list[_Item]
    rows: dict[str, np.ndarray]
    nets: list[np.ndarray]
    stored: bool = False


class _ChunkWork:
    """Read, hash, decode and measure one chunk of images: one task of the engine.

    A whole chunk per task lets the threads share the per-stack numpy work, not only the
    decoding. On the local engine the task runs in a decode thread and the main thread then
    embeds and caches the chunk while the threads decode the next ones. Sent to a cluster
    (`to_workers`), the task also embeds the chunk's new images and writes the chunk to the
    shared feature cache on its worker: a worker lost after writing loses nothing, as the
    retried task finds the chunk file (`FeatureCache.adopt`) and decodes nothing again.
    """

    def __init__(
        self,
        source: _Source | None,
        cache: FeatureCache | None,
        backbone: Any,
        *,
        finish: bool = False,
    ) -> None:
        self.source, self.cache, self.backbone, self.finish = source, cache, backbone, finish
        self.net_size = backbone.input_size if backbone is not None else None

    def to_workers(self) -> _ChunkWork:
        """This work as cluster tasks run it: embed and cache on the worker too.

        The backbone travels by file path where it can (`for_workers`), with one intra-op
        thread per worker thread. The images do not: each task gets its own chunk's (`pack`),
        so no task carries 100,000 paths, or a whole array of pixels.
        """
        backbone = for_workers(self.backbone) if self.backbone is not None else None
        return _ChunkWork(None, self.cache, backbone, finish=True)

    def pack(self, rows: range) -> tuple[range, _Source]:
        """A chunk as a cluster task gets it: its rows and their images."""
        assert self.source is not None, "pack the chunks of the client's work"
        return rows, self.source.part(rows)

    def __call__(self, chunk: range | tuple[range, _Source]) -> _Chunk:
        rows, source = chunk if isinstance(chunk, tuple) else (chunk, self.source)
        assert source is not None, "a cluster task's chunk carries its images (pack)"
        read = [self._read(source, i) for i in rows]
        if self.finish:
            read = self._adopt(read)
        items = [self._decode(item, pixels) for item, pixels in read]
        fresh = [it for it in items if it.decoded is not None]
        decoded = [it.decoded for it in fresh if it.decoded is not None]
        nets = [d.net for d in decoded if d.net is not None]
        for d in decoded:
            d.net = None  # the chunk keeps the only reference
        done = _Chunk(items, fresh, _measure(decoded), nets)
        return self._finish(done) if self.finish else done

    def _read(self, source: _Source, i: int) -> tuple[_Item, bytes | np.ndarray | None]:
        """The item of image `i` (cached, or failed) and its pixels when still to decode."""
        try:
            key, pixels = source.key_and_pixels(i)
        except DecodeFailure as exc:
            return _Item(i, reason=str(exc)), None
        if self.cache is not None and key in self.cache:
            cached = self.cache.get(key)
            if cached is not None:
                return _Item(i, key, cached=cached), None
        return _Item(i, key), pixels

    def _adopt(self, read: list[tuple[_Item, Any]]) -> list[tuple[_Item, Any]]:
        """`read` with the images still to decode taken from the cache, when an earlier try
        of this task wrote them there before its worker was lost."""
        keys = [str(item.key) for item, pixels in read if pixels is not None]
        if self.cache is None or not self.cache.adopt(keys):
            return read
        out = []
        for item, pixels in read:
            cached = self.cache.get(str(item.key)) if pixels is not None else None
            if cached is not None:
                out.append((_Item(item.index, item.key, cached=cached), None))
            else:
                out.append((item, pixels))
        return out

    def _decode(self, item: _Item, pixels: bytes | np.ndarray | None) -> _Item:
        if pixels is None:
            return item
        try:
            if isinstance(pixels, bytes):
                item.decoded = decode_bytes(pixels, net_size=self.net_size)
            else:
                item.decoded = decode_array(pixels, net_size=self.net_size)
        except DecodeFailure as exc:
            return _Item(item.index, reason=str(exc))
        return item

    def _finish(self, chunk: _Chunk) -> _Chunk:
        """Embed and cache the chunk where it was decoded (a cluster worker)."""
        if self.backbone is not None and chunk.nets:
            with _torch_threads(self.backbone, 1):
                chunk.rows.update(_embed(self.backbone, np.stack(chunk.nets)))
            chunk.nets = []
        if self.cache is not None and chunk.fresh:
            self.cache.put([str(it.key) for it in chunk.fresh], chunk.rows)
            chunk.stored = True
        for it in chunk.items:
            it.decoded = None  # the client needs the rows, not the thumbnails
        return chunk


def _process(
    chunk: _Chunk,
    results: _Results,
    backbone: Backbone | None,
    cache: FeatureCache | None,
    source: _Source,
    max_failed_share: float,
) -> None:
    rows = chunk.rows
    if backbone is not None and chunk.nets:
        rows.update(_embed(backbone, np.stack(chunk.nets)))
    if cache is not None and chunk.fresh and not chunk.stored:
        cache.put([str(it.key) for it in chunk.fresh], rows)
    if chunk.fresh:
        results.put(np.array([it.index for it in chunk.fresh]), rows)
    for it in chunk.items:
        if it.cached is not None:
            results.put(it.index, it.cached)
            results.n_cached += 1
        elif it.reason is not None:
            logger.warning("skipping image %s: %s", source.name(it.index), it.reason)
            results.skipped.append(
                {"index": it.index, "path": source.name(it.index), "reason": it.reason}
            )
    if len(results.skipped) > max_failed_share * results.n:
        raise ImageError(_failure_message(results.skipped, results.n, max_failed_share))


def _measure(decoded: list[DecodedImage]) -> dict[str, np.ndarray]:
    """Properties and hashes of freshly decoded images (first axis: image).

    Every step works on stacks of same-shape thumbnails, so that the per-image cost is the
    decoding and little else.
    """
    if not decoded:
        return {}
    batch = ImageBatch(decoded)
    grey = np.empty((len(decoded), HASH_SIDE, HASH_SIDE), dtype=np.float32)
    for rows, stack in batch.stacks:
        grey[rows] = hash_inputs(stack)
    return {
        "properties": measure_properties(batch),
        "thumb_hash": np.array([_thumb_hash(d) for d in decoded]),
        "phash": perceptual_hash(grey),
    }


def _embed(backbone: Backbone, nets: np.ndarray) -> dict[str, np.ndarray]:
    """Embeddings and top concepts of a batch of backbone inputs, shape (n, s, s, 3)."""
    out = backbone.run(nets)
    rows = {"embeddings": out.embeddings}
    if out.concept_scores is not None:
        rows["concept_index"] = out.concept_scores.argmax(axis=1)
        rows["concept_score"] = out.concept_scores.max(axis=1)
        if out.concept_scores.shape[1] <= _MAX_PHRASES:
            rows["phrase_scores"] = out.concept_scores
    return rows


def _thumb_hash(d: DecodedImage) -> str:
    prefix = _thumb_prefix(d.meta["width"], d.meta["height"], d.thumb.shape)
    h = hashlib.blake2b(prefix, digest_size=16)
    h.update(np.ascontiguousarray(d.thumb).data)
    return h.hexdigest()


@functools.lru_cache(maxsize=1024)
def _thumb_prefix(width: float, height: float, shape: tuple[int, ...]) -> bytes:
    return f"{width}x{height}{shape}".encode()


def _failure_message(skipped: list[dict[str, Any]], n: int, share: float) -> str:
    first = skipped[0]
    return (
        f"{len(skipped)} of {n} images could not be read, more than max_failed_share={share}; "
        f"first: {first['path']!r} ({first['reason']}). Fix or remove the bad files, or raise the "
        "limit (max_failed_share=0.5)."
    )


def _warn_skipped(skipped: list[dict[str, Any]], n: int) -> None:
    if skipped:
        first = skipped[0]
        warnings.warn(
            f"{len(skipped)} of {n} images were skipped (first: {first['path']!r}: "
            f"{first['reason']}); see ImageFeatures.skipped.",
            stacklevel=3,
        )


def _assemble(
    results: _Results,
    backbone: Backbone | None,
    concepts: bool,
    user_embeddings: np.ndarray | None,
    labels: Sequence[Any] | np.ndarray | pd.Series | None,
    flag_k: float,
    engine: Engine,
) -> ImageFeatures:
    props = pd.DataFrame(results.properties, columns=list(extractor_columns()))
    emb = user_embeddings if user_embeddings is not None else results.embeddings
    flags = compute_flags(
        props,
        thumb_hash=results.thumb_hash,
        phash=results.phash,
        embeddings=emb,
        labels=labels,
        k=flag_k,
        engine=engine,
    )
    columns = {**extractor_columns(), **FLAG_DESCRIPTIONS}
    concept_frame = None
    names = backbone.concept_names if backbone is not None else None
    if concepts and names is not None:
        concept_frame = _concept_frame(results, names)
        columns.update(CONCEPT_COLUMNS)
        columns.update({c: (c, "cosine similarity") for c in concept_frame.columns[2:]})
    described = property_descriptors()
    descriptors = {c: described[c] for c in [*props.columns, *flags.columns]}
    return ImageFeatures(
        props, flags, concept_frame, emb, results.skipped, columns, results.n_cached, descriptors
    )


def _concept_frame(results: _Results, names: list[str]) -> pd.DataFrame:
    lookup = np.array([*names, None], dtype=object)
    frame = pd.DataFrame(
        {"concept": lookup[results.concept_index], "concept_score": results.concept_score}
    )
    if results.phrase_scores is not None:
        for j, phrase in enumerate(names):
            frame["phrase_" + _slug(phrase)] = results.phrase_scores[:, j]
    return frame


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "phrase"
