"""Engines: where the kernels that touch every row run (this process, or a Dask cluster).

Importing this package registers the in-process `NumpyEngine` ("numpy") and the Dask engine
("dask"); the latter imports dask only when it is built.
"""

from weakspot.engine._base import ENGINES, CellCounts, Engine, Rows, get_engine, register_engine
from weakspot.engine._dask import DaskEngine
from weakspot.engine._numpy import NumpyEngine, NumpyRows

__all__ = [
    "ENGINES",
    "CellCounts",
    "DaskEngine",
    "Engine",
    "NumpyEngine",
    "NumpyRows",
    "Rows",
    "get_engine",
    "register_engine",
]
