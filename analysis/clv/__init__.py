"""Customer lifetime value with the buy-till-you-die models: one model per file, a module per step.

- :mod:`~analysis.clv.summary`: the purchase-day definition and :func:`clv_summary`
  (frequency, recency, ``T``, mean repeat spend), the time units and the checks before any fit.
- Models (one per file, the shape of :class:`~analysis.clv._base.LogParamModel`: settings in
  ``__init__``, ``fit`` returns ``self``, fitted attributes end in ``_``, an unfitted model
  raises :class:`NotFittedError`): :class:`BetaGeoModel` (:mod:`~analysis.clv.beta_geo`),
  :class:`GammaGammaModel` (:mod:`~analysis.clv.gamma_gamma`), :class:`ParetoNBDModel`,
  :class:`ModifiedBetaGeoModel` and :class:`BetaGeoBetaBinomModel`; :mod:`~analysis.clv.models`
  names them by key.
- :mod:`~analysis.clv.forecast`: lifetime value, totals with an interval, the P(alive) grid.
- :mod:`~analysis.clv.holdout`: fit on the earlier history, compare with the held-back months.
- :mod:`~analysis.clv.comparison`: every model scored on the holdout.
- :mod:`~analysis.clv.value`: :func:`value_report`, everything the Customer value page shows.
- :mod:`~analysis.clv.describe`: the sentences (``describe_<thing>(result) -> list[str]``).

Conventions (those of the literature, so published results can be reproduced) are in
:mod:`analysis.clv.summary`. Likelihoods are vectorised over customers and evaluated in log
space.

References
----------
Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2). Fader & Hardie (2013), "The Gamma-Gamma model of
monetary value".
"""

from __future__ import annotations

from analysis.clv._base import FIT_SECONDS, NotFittedError, load_model, save_model
from analysis.clv.beta_geo import BetaGeoModel
from analysis.clv.beta_geo_beta_binom import PERIODS, BetaGeoBetaBinomModel, discrete_summary
from analysis.clv.comparison import (
    TIE_TOLERANCE,
    ModelComparison,
    compare_models,
    detect_discrete_period,
)
from analysis.clv.describe import (
    describe_holdout,
    describe_model_comparison,
    describe_value,
    format_range,
    holdout_insights,
    value_insights,
)
from analysis.clv.forecast import (
    customer_lifetime_value,
    forecast_totals,
    probability_alive_grid,
)
from analysis.clv.gamma_gamma import STRONG_CORRELATION, GammaGammaModel
from analysis.clv.holdout import (
    TRACKING_POINTS,
    HoldoutResult,
    calibration_holdout,
    default_holdout_split,
)
from analysis.clv.models import MODEL_NAMES, PURCHASE_MODELS, purchase_model
from analysis.clv.modified_beta_geo import ModifiedBetaGeoModel
from analysis.clv.pareto_nbd import ParetoNBDModel
from analysis.clv.summary import (
    DAYS_PER_MONTH,
    MAX_AMOUNT,
    SUMMARY_COLUMNS,
    TIME_UNITS,
    UnsuitableDataError,
    check_model_data,
    clv_summary,
    drop_implausible_amounts,
    implausible_amounts_note,
    sharing_purchase_days,
)
from analysis.clv.value import (
    MIN_REPEAT_BUYERS,
    ValueReport,
    clv_histogram,
    holdout_error,
    model_warnings,
    top_customers,
    value_report,
    widen_by_holdout,
)

__all__ = [
    "DAYS_PER_MONTH",
    "FIT_SECONDS",
    "MAX_AMOUNT",
    "MIN_REPEAT_BUYERS",
    "MODEL_NAMES",
    "PERIODS",
    "PURCHASE_MODELS",
    "STRONG_CORRELATION",
    "SUMMARY_COLUMNS",
    "TIE_TOLERANCE",
    "TIME_UNITS",
    "TRACKING_POINTS",
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "GammaGammaModel",
    "HoldoutResult",
    "ModelComparison",
    "ModifiedBetaGeoModel",
    "NotFittedError",
    "ParetoNBDModel",
    "UnsuitableDataError",
    "ValueReport",
    "calibration_holdout",
    "check_model_data",
    "clv_histogram",
    "clv_summary",
    "compare_models",
    "customer_lifetime_value",
    "default_holdout_split",
    "describe_holdout",
    "describe_model_comparison",
    "describe_value",
    "detect_discrete_period",
    "discrete_summary",
    "drop_implausible_amounts",
    "forecast_totals",
    "format_range",
    "holdout_error",
    "holdout_insights",
    "implausible_amounts_note",
    "load_model",
    "model_warnings",
    "probability_alive_grid",
    "purchase_model",
    "save_model",
    "sharing_purchase_days",
    "top_customers",
    "value_insights",
    "value_report",
    "widen_by_holdout",
]
