"""The purchase models by key: names for people and a new, unfitted model for a key."""

from __future__ import annotations

from analysis.clv.beta_geo import BetaGeoModel
from analysis.clv.modified_beta_geo import ModifiedBetaGeoModel
from analysis.clv.pareto_nbd import ParetoNBDModel

__all__ = ["MODEL_NAMES", "PURCHASE_MODELS", "purchase_model"]

MODEL_NAMES = {
    "bgnbd": "BG/NBD",
    "mbgnbd": "Modified BG/NBD",
    "pnbd": "Pareto/NBD",
    "bgbb": "BG/BB",
}
"""Display name of every model key (BG/BB is for discrete purchase opportunities)."""

PURCHASE_MODELS = ("bgnbd", "mbgnbd", "pnbd")
"""Keys of the purchase models :func:`analysis.clv.value_report` can use."""


def purchase_model(model: str = "bgnbd", **settings):
    """Return a new, unfitted purchase model by key.

    Parameters
    ----------
    model : {"bgnbd", "mbgnbd", "pnbd"}
        BG/NBD, modified BG/NBD or Pareto/NBD.
    **settings
        Passed to the model's constructor (``max_iter``, ``max_seconds``); none gives its
        default settings.

    Returns
    -------
    BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        Unfitted.
    """
    classes = {"bgnbd": BetaGeoModel, "mbgnbd": ModifiedBetaGeoModel, "pnbd": ParetoNBDModel}
    if model not in classes:
        raise ValueError(f"Unknown purchase model {model!r}; choose from {list(classes)}.")
    return classes[model](**settings)
