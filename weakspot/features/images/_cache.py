"""On-disk feature cache keyed by image content hash and extractor version.

One small ``.npz`` file per processed chunk, holding the rows computed for that chunk. Files are
written to a temporary name and renamed with `os.replace`, so a run killed at any instant (even
``kill -9``) leaves only whole chunk files, and the next run starts where it stopped. All
configurations that change a feature (extractor version, backbone, thumbnail size) get their own
sub-folder.

The cache is on by default, in the user's cache folder (`user_cache_root`: platformdirs'
``user_cache_dir("weakspot")``, or ``$WEAKSPOT_CACHE_DIR``). Reading a chunk file marks it used
(its modification time), and `evict_lru` deletes the least recently used chunk files once the
folder holds more than its size limit (``$WEAKSPOT_CACHE_MAX_MB``, default 2048 MiB).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from weakspot.inputs import BYTES_FOLDER
from weakspot.inputs import user_cache_root as user_cache_root

logger = logging.getLogger("weakspot.features.images")

CACHE_MAX_MB_ENV = "WEAKSPOT_CACHE_MAX_MB"
DEFAULT_MAX_MB = 2048.0

FIELDS = (
    "properties",
    "thumb_hash",
    "phash",
    "embeddings",
    "concept_index",
    "concept_score",
    "phrase_scores",
)


class FeatureCache:
    """Rows of cached features, looked up by content hash.

    Parameters
    ----------
    root : str or Path
        The user's cache folder; created if needed.
    config : str
        Everything that changes a cached value (extractor version, backbone name, ...).
    """

    def __init__(self, root: str | Path, config: str) -> None:
        digest = hashlib.blake2b(config.encode(), digest_size=6).hexdigest()
        self.folder = Path(root) / f"images-{digest}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index_: dict[str, tuple[Path, int]] = {}
        self._lock = threading.Lock()
        self._loaded: tuple[Path, dict[str, np.ndarray]] | None = None
        self._touched: set[Path] = set()
        for path in sorted(self.folder.glob("chunk-*.npz")):
            keys = self._read(path, ("keys",))
            for row, key in enumerate(keys.get("keys", [])):
                self.index_[str(key)] = (path, row)

    def __getstate__(self) -> dict[str, Any]:
        # sent to cluster workers with the chunk work: the index travels, the lock cannot
        return {"folder": self.folder, "index_": self.index_}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.folder, self.index_ = state["folder"], state["index_"]
        self._lock, self._loaded, self._touched = threading.Lock(), None, set()

    def __contains__(self, key: str) -> bool:
        return key in self.index_

    def get(self, key: str) -> dict[str, np.ndarray] | None:
        """The cached row of `key` (each field present in its chunk), or None if unreadable.

        A chunk file can vanish under a run (another run evicted it); the row is then
        computed again.
        """
        path, row = self.index_[key]
        with self._lock:
            if self._loaded is None or self._loaded[0] != path:
                self._loaded = (path, self._read(path, FIELDS))
                if path not in self._touched:
                    self._touched.add(path)
                    _touch(path)
            arrays = self._loaded[1]
        if "properties" not in arrays:
            return None
        return {name: values[row] for name, values in arrays.items()}

    def adopt(self, keys: list[str]) -> bool:
        """Index the chunk file that ``put(keys, ...)`` writes, if another process wrote it
        since this cache was opened (a cluster task that died after writing it); True if so."""
        path = self._chunk_path(keys)
        if not keys or not path.is_file():
            return False
        found = [str(k) for k in self._read(path, ("keys",)).get("keys", [])]
        if found != keys:
            return False
        for row, key in enumerate(keys):
            self.index_[key] = (path, row)
        return True

    def put(self, keys: list[str], rows: dict[str, np.ndarray]) -> None:
        """Store rows (each array's first axis matches `keys`) as one chunk file, atomically."""
        if not keys:
            return
        path = self._chunk_path(keys)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=self.folder)
        try:
            arrays: dict[str, Any] = {"keys": np.array(keys), **rows}
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **arrays)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for row, key in enumerate(keys):
            self.index_[key] = (path, row)

    def _chunk_path(self, keys: list[str]) -> Path:
        name = hashlib.blake2b("".join(keys).encode(), digest_size=10).hexdigest()
        return self.folder / f"chunk-{name}.npz"

    def _read(self, path: Path, fields: tuple[str, ...]) -> dict[str, np.ndarray]:
        try:
            # the file is opened here, not by np.load: when a garbled chunk makes np.load raise
            # while it reads the zip directory, the handle it opened itself is never closed
            with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
                return {f: data[f] for f in fields if f in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            logger.warning("ignoring unreadable cache file %s: %s", path, exc)
            return {}


def _touch(path: Path) -> None:
    """Mark a chunk file as used now (modification time; access times are often not kept)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def cache_limit_bytes() -> int:
    """The cache's size limit: ``$WEAKSPOT_CACHE_MAX_MB`` MiB, default `DEFAULT_MAX_MB`."""
    text = os.environ.get(CACHE_MAX_MB_ENV, "")
    try:
        mib = float(text) if text else DEFAULT_MAX_MB
    except ValueError:
        logger.warning("ignoring %s=%r (not a number of MiB)", CACHE_MAX_MB_ENV, text)
        mib = DEFAULT_MAX_MB
    return int(mib * 1024 * 1024)


def evict_lru(root: str | Path, max_bytes: int) -> int:
    """Delete the least recently used chunk files under `root` until it holds <= `max_bytes`.

    Only feature chunks (``images-*/chunk-*.npz``) and images written from a table's bytes
    (``image-bytes/<hash>/<name>``) are counted and deleted; exported models are kept.
    Returns the number of files deleted.
    """
    files = []
    blobs = Path(root).glob(f"{BYTES_FOLDER}/*/[!.]*")  # not a write in flight (.tmp-*)
    for path in [*Path(root).glob("images-*/chunk-*.npz"), *blobs]:
        try:
            stat = path.stat()
        except OSError:
            continue
        files.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in files)
    deleted = 0
    for _, size, path in sorted(files, key=lambda f: (f[0], str(f[2]))):
        if total <= max_bytes:
            break
        path.unlink(missing_ok=True)
        total -= size
        deleted += 1
    if deleted:
        logger.info("feature cache over its limit: deleted %d least recently used files", deleted)
    return deleted
