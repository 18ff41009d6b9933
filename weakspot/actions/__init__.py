"""Actions: what to do about each diagnosed failure mode, each with a file to act on."""

from weakspot.actions import (  # noqa: F401  (each module registers its action kinds)
    _augment_spec,
    _calibration,
    _collect,
    _gate,
    _relabel,
    _reweight,
)
from weakspot.actions._base import ACTIONS, MIN_CONFIDENCE, Action, ActionPlugin, register_action
from weakspot.actions._run import plan_actions, write_actions

__all__ = [
    "ACTIONS",
    "MIN_CONFIDENCE",
    "Action",
    "ActionPlugin",
    "plan_actions",
    "register_action",
    "write_actions",
]
