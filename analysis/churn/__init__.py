"""Churn risk: who is about to stop buying, with an honest check against what really happened.

A customer **churns** over a horizon (default 90 days) when they make no purchase order (an
order whose net value is not negative, see :mod:`analysis.orders`) in the ``horizon_days``
days that start at a cutoff date. The model learns from the past:

1. **Train.** At the cutoff ``as_of - horizon_days`` every customer with a purchase before it
   gets features computed from the history before the cutoff only, and a label: did they buy in
   the ``horizon_days`` that followed (the last ``horizon_days`` of the data)?
2. **Evaluate.** A random 30% of those customers is held back; the model is fitted on the rest
   and scored on them against what they really did (ROC AUC, precision among the riskiest 10%,
   a calibration table). The BG/NBD model fitted on the history before the cutoff is scored the
   same way, as a baseline that needs no training labels.
3. **Score.** The model is refitted on all customers at the cutoff and applied to the features
   at ``as_of`` (the end of the data): every current customer gets a churn risk for the next
   ``horizon_days``. This assumes the next period behaves like the last one.

The model is scikit-learn's ``HistGradientBoostingClassifier`` (handles missing values such as
"no gap yet" natively; fast on two cores). Feature importance is permutation importance on the
held-back customers: how much the AUC drops when one feature's values are shuffled.

Modules: :mod:`~analysis.churn.features` (features and labels), :mod:`~analysis.churn.model`
(:class:`ChurnModel`, :func:`churn_model`), :mod:`~analysis.churn.metrics` (AUC, precision at
the top, calibration, permutation importance), :mod:`~analysis.churn.value_risk` (value against
risk, the list to act on) and :mod:`~analysis.churn.describe` (the sentences).
"""

from __future__ import annotations

from analysis.churn.describe import (
    describe_drivers,
    describe_verdict,
    drivers_in_words,
    verdict_in_words,
)
from analysis.churn.features import (
    FEATURE_LABELS,
    churn_features,
    churn_labels,
    feature_label,
    features_from,
    labels_from,
    mix_codes,
)
from analysis.churn.metrics import (
    N_REPEATS,
    calibration_table,
    evaluate_risk,
    importance_table,
    permutation_auc_drop,
)
from analysis.churn.model import (
    MIN_CUSTOMERS,
    MIN_PER_CLASS,
    ChurnInputs,
    ChurnModel,
    ChurnResult,
    churn_inputs,
    churn_model,
)
from analysis.churn.value_risk import QUADRANTS, action_list, value_and_risk

__all__ = [
    "FEATURE_LABELS",
    "MIN_CUSTOMERS",
    "MIN_PER_CLASS",
    "N_REPEATS",
    "QUADRANTS",
    "ChurnInputs",
    "ChurnModel",
    "ChurnResult",
    "action_list",
    "calibration_table",
    "churn_features",
    "churn_inputs",
    "churn_labels",
    "churn_model",
    "describe_drivers",
    "describe_verdict",
    "drivers_in_words",
    "evaluate_risk",
    "feature_label",
    "features_from",
    "importance_table",
    "labels_from",
    "mix_codes",
    "permutation_auc_drop",
    "value_and_risk",
    "verdict_in_words",
]
