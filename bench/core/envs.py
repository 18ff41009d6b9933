"""The benchmark's Python environments: ours (the repo's .venv) and one venv per peer.

Peers live in bench/.envs/<name> (git-ignored), created on first use with `python3 -m venv`
and pip; they are never dependencies of weakspot.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENVS = REPO / "bench" / ".envs"
PEERS = {
    # sliceline without numba: its pure-numpy path (numba is an optional extra).
    "sliceline": ["sliceline==0.3.0", "pyarrow"],
    "erroranalysis": ["erroranalysis", "numpy<2", "shap"],
    "divexplorer": ["divexplorer"],
    # the planted benchmark's two other peers (bench/planted/run.py); deepchecks runs only in
    # its own environment, in a child process, never imported by weakspot
    "deepchecks": ["deepchecks", "scikit-learn>=1.7,<1.8", "numpy<2", "pandas<3"],
    "sliceguard": ["sliceguard"],
}


def python_of(env: str) -> str:
    """Interpreter of `env` ("ours" or a peer name), creating a peer venv if missing."""
    if env == "ours":
        return str(REPO / ".venv" / "bin" / "python")
    python = ENVS / env / "bin" / "python"
    if not python.exists():
        ensure(env)
    return str(python)


def ensure(env: str) -> None:
    """Create bench/.envs/<env> and install the peer into it."""
    target = ENVS / env
    python3 = shutil.which("python3") or "python3"
    subprocess.run([python3, "-m", "venv", str(target)], check=True)
    subprocess.run([str(target / "bin" / "pip"), "install", "-q", *PEERS[env]], check=True)


def version_of(env: str, package: str) -> str:
    """Installed version of `package` in `env`, or '?'."""
    out = subprocess.run(
        [python_of(env), "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "?"
