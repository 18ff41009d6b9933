"""Statistics shared by every stage: intervals, exact and paired tests, multiple-testing
control, row sets.

This package sits below every pipeline stage (see the layers contract in pyproject.toml), so a
metric, a finder and a diagnosis all use the same interval and the same test.
"""

from weakspot.stats._expected import ModelConfidence, beyond_expected_p_value
from weakspot.stats._groups import distinct_values, unique_inverse
from weakspot.stats._loss import (
    LossPopulation,
    excess_loss_p_value,
    fewer_loss_p_value,
    held_out_p_value,
    significantly_better,
    significantly_worse,
)
from weakspot.stats._paired import (
    holm,
    mcnemar_p_value,
    paired_difference_interval,
    unpaired_worse_p_value,
)
from weakspot.stats._permutation import (
    bootstrap_intervals,
    loss_ratio,
    mean_interval,
    permutation_draws,
    permutation_p_values,
    shift_ratio,
)
from weakspot.stats._sampling import member_mask, random_half
from weakspot.stats._tests import (
    benjamini_hochberg,
    excess_error_p_value,
    fewer_errors_p_value,
    wilson_interval,
)

__all__ = [
    "LossPopulation",
    "ModelConfidence",
    "benjamini_hochberg",
    "beyond_expected_p_value",
    "bootstrap_intervals",
    "distinct_values",
    "excess_error_p_value",
    "excess_loss_p_value",
    "fewer_errors_p_value",
    "fewer_loss_p_value",
    "held_out_p_value",
    "holm",
    "loss_ratio",
    "mean_interval",
    "mcnemar_p_value",
    "member_mask",
    "paired_difference_interval",
    "permutation_draws",
    "permutation_p_values",
    "random_half",
    "shift_ratio",
    "significantly_better",
    "significantly_worse",
    "unique_inverse",
    "unpaired_worse_p_value",
    "wilson_interval",
]
