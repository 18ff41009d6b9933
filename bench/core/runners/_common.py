"""Shared by every runner: read the payload, load the table, time the call, write JSON.

Runs under any benchmark environment (numpy 1 or 2, no weakspot), so stdlib + numpy only.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback

import numpy as np


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(call) -> None:
    """`call(data, params)` -> dict with "slices"; its run time is measured here."""
    payload_path, out_path = sys.argv[1], sys.argv[2]
    with open(payload_path) as fh:
        payload = json.load(fh)
    try:
        data = {}
        if payload.get("table"):
            with np.load(payload["table"]) as npz:
                data = {key: npz[key] for key in npz.files}
        result = {"baseline_rss_bytes": max_rss_bytes()}
        start = time.perf_counter()
        out = call(data, payload.get("params", {}))
        result["seconds"] = time.perf_counter() - start
        result.update(out)
        result["status"] = "ok"
    except MemoryError as exc:
        result = {
            "status": "out of memory",
            "message": f"{str(exc)[:300]}\n{traceback.format_exc()[-1200:]}",
        }
    except Exception:  # noqa: BLE001 - report any failure of the tool under test
        tb = traceback.format_exc()
        status = "out of memory" if "Unable to allocate" in tb or "bad_alloc" in tb else "error"
        result = {"status": status, "message": tb[-1500:]}
    with open(out_path, "w") as fh:
        json.dump(result, fh)
