"""The few keys of an Ultralytics ``data.yaml`` a detection reader needs, without a YAML
dependency: ``path``, ``train``, ``val``, ``test`` (a folder, a list file, or a list of them)
and ``names`` (a list, or a mapping index -> name), with ``nc`` checked against it.

Every other key (``download`` scripts, ``roboflow`` blocks) is skipped with its indented block.
"""

from __future__ import annotations

import re
from pathlib import Path

from weakspot._errors import InputError

_KEYS = ("path", "train", "val", "test", "names", "nc")


def read_data_yaml(path: str | Path) -> dict[str, object]:
    """Read `path`'s ``path``, ``train``, ``val``, ``test`` (str or list of str), ``names``
    (list of str, in index order) and ``nc`` (int).

    Raises
    ------
    InputError
        The file is missing, ``names`` is absent or holds gaps, ``nc`` disagrees with it, or a
        key this reader needs is written in a form it does not read (named with its line).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file. Give the dataset's data.yaml.")
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: dict[str, tuple[int, str, list[tuple[int, str]]]] = {}
    current: str | None = None
    for number, line in enumerate(lines, start=1):
        text = _strip_comment(line).rstrip()
        if not text.strip():
            continue
        if not line[:1].isspace() and not text.startswith("-"):
            match = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", text)
            current = match.group(1) if match else None
            if match and current in _KEYS:
                blocks[current] = (number, match.group(2).strip(), [])
            continue
        if current in blocks:
            blocks[current][2].append((number, text.strip()))
    out: dict[str, object] = {}
    for key, (number, inline, block) in blocks.items():
        value = _value(inline, block, path, number, key)
        if key == "nc":
            if not isinstance(value, str) or not value.isdigit():
                raise InputError(f"{path}:{number}: nc must be a whole number, found {value!r}.")
            out[key] = int(value)
        else:
            out[key] = value
    if "names" not in out:
        raise InputError(
            f"{path}: no 'names' key. data.yaml must list the class names (names: [cat, dog] or "
            "one '  0: cat' line per class)."
        )
    names = out["names"]
    if isinstance(names, dict):
        indices = sorted(names)
        if indices != list(range(len(indices))):
            raise InputError(
                f"{path}: names must be numbered 0, 1, 2, ... without gaps; found {indices[:10]}."
            )
        out["names"] = [names[i] for i in indices]
    elif isinstance(names, str):
        raise InputError(f"{path}: names must be a list or a mapping, found {names!r}.")
    if "nc" in out and out["nc"] != len(out["names"]):  # type: ignore[arg-type]
        raise InputError(
            f"{path}: nc is {out['nc']} but names lists {len(out['names'])} classes "  # type: ignore[arg-type]
            "(nc must equal the number of names). Fix one of them."
        )
    return out


def _strip_comment(line: str) -> str:
    """The line without a trailing ``# comment`` outside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if ch in "'\"":
            quote = None if quote == ch else (quote or ch)
        elif ch == "#" and quote is None and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _value(
    inline: str, block: list[tuple[int, str]], path: Path, number: int, key: str
) -> str | list[str] | dict[int, str]:
    if inline and block:
        raise InputError(
            f"{path}:{number}: {key} has a value on its line and an indented block under it; "
            "write one of them."
        )
    if inline.startswith("["):
        if not inline.endswith("]"):
            raise InputError(
                f"{path}:{number}: {key}'s list {inline[:40]!r} does not close on its line; write "
                "it on one line or as '- item' lines."
            )
        return [_scalar(v) for v in _split_flow(inline[1:-1]) if v.strip()]
    if inline.startswith("{"):
        items = [v for v in _split_flow(inline.strip("{}")) if v.strip()]
        return _mapping([(number, v) for v in items], path, key)
    if inline in ("|", ">", "|-", ">-"):
        raise InputError(f"{path}:{number}: {key} cannot be a block scalar ({inline}).")
    if inline:
        return _scalar(inline)
    if not block:
        return ""
    if all(text.startswith("-") for _, text in block):
        return [_scalar(text[1:]) for _, text in block]
    return _mapping(block, path, key)


def _mapping(items: list[tuple[int, str]], path: Path, key: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for number, text in items:
        match = re.match(r"^['\"]?(\d+)['\"]?\s*:\s*(.*)$", text.strip())
        if not match:
            raise InputError(
                f"{path}:{number}: {key} entry {text!r} is not 'index: name'. Write names as a "
                "list or as '  0: name' lines."
            )
        out[int(match.group(1))] = _scalar(match.group(2))
    return out


def _split_flow(text: str) -> list[str]:
    """Split a one-line YAML list on commas outside quotes."""
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for ch in text:
        if ch in "'\"":
            quote = None if quote == ch else (quote or ch)
        if ch == "," and quote is None:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts
