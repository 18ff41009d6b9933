"""No module reaches into another package's private module: what a package offers the others
is in its `__init__`, so a file can move inside its package without breaking another one."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "weakspot"


def _private_imports() -> list[str]:
    """``file:line imports module`` for every import of a private module of another package.

    A module's own package is the first folder under weakspot/ (a top-level module such as
    ``_analysis.py`` has none); the shared bottom modules (``weakspot._errors``) are public to
    all, being modules of the package itself rather than of a stage.
    """
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        own = parts[0] if len(parts) > 1 else None
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module):
                continue
            names = node.module.split(".")
            if names[0] != "weakspot" or len(names) < 3 or names[1] == own:
                continue
            if any(name.startswith("_") for name in names[2:]):
                where = path.relative_to(PACKAGE.parent)
                found.append(f"{where}:{node.lineno} imports {node.module}")
    return found


def test_no_module_imports_a_private_module_of_another_package():
    found = _private_imports()
    assert found == [], (
        "import these names from the package itself (export them in its __init__):\n"
        + "\n".join(found)
    )


def test_the_check_sees_a_private_import(tmp_path, monkeypatch):
    fake = tmp_path / "weakspot"
    (fake / "slices").mkdir(parents=True)
    (fake / "slices" / "_mine.py").write_text(
        "from weakspot.features._binning import bin_features\n"
    )
    (fake / "slices" / "_ok.py").write_text("from weakspot.slices._base import FINDERS\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    assert _private_imports() == ["weakspot/slices/_mine.py:1 imports weakspot.features._binning"]
