"""Actions: what to do about each diagnosed failure mode, each with a file to act on.

Every module of this package is imported below, in name order, so that a new action is one
file: its `@register_action` class carries its kind (the registry key and the schema's action
kind enum) and the causes it `serves`.
"""

import importlib
import pkgutil

from weakspot.actions._base import (
    ACTIONS,
    MIN_CONFIDENCE,
    Action,
    ActionPlugin,
    is_verifiable,
    register_action,
    serving_kinds,
)
from weakspot.actions._reproduce import MIN_REPRODUCTION, copies_reproduction, measure_pixels
from weakspot.actions._run import plan_actions, write_actions

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")  # each plug-in module registers itself

__all__ = [
    "ACTIONS",
    "MIN_CONFIDENCE",
    "MIN_REPRODUCTION",
    "Action",
    "ActionPlugin",
    "copies_reproduction",
    "is_verifiable",
    "measure_pixels",
    "plan_actions",
    "register_action",
    "serving_kinds",
    "write_actions",
]
