"""The churn-risk model: trained at a cutoff, checked on held-back customers, applied now.

See :mod:`analysis.churn` for the method. :class:`ChurnModel` has the shape of every model
(settings in ``__init__``, ``fit`` returns ``self``, fitted attributes end in ``_``, an unfitted
model raises :class:`~analysis.core.errors.NotFittedError`); :func:`churn_model` is the one
call the pages cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from analysis.churn.describe import describe_drivers, describe_verdict
from analysis.churn.features import features_from, in_index, labels_from, mix_codes
from analysis.churn.metrics import calibration_table, evaluate_risk, importance_table
from analysis.clv import (
    BetaGeoModel,
    clv_summary,
    drop_implausible_amounts,
    implausible_amounts_note,
    sharing_purchase_days,
)
from analysis.core.errors import NotEnoughData, NotFittedError
from analysis.core.orders import order_table, resolve_as_of
from analysis.core.threads import one_thread

__all__ = [
    "MIN_CUSTOMERS",
    "MIN_PER_CLASS",
    "ChurnInputs",
    "ChurnModel",
    "ChurnResult",
    "check_history",
    "check_horizon",
    "churn_inputs",
    "churn_model",
]

MIN_CUSTOMERS = 40
MIN_PER_CLASS = 10


@dataclass
class ChurnResult:
    """Churn model, its honest evaluation and the current customers' risk.

    Attributes
    ----------
    scores : DataFrame
        Per current customer (purchase before ``as_of``), highest risk first: ``churn_risk``
        (probability of no purchase in the next ``horizon_days``), ``p_alive`` and
        ``bgnbd_no_purchase`` from BG/NBD fitted on the whole history, and the features.
    evaluation : DataFrame
        One row per model ("Churn model", "BG/NBD: P(no purchase)", "BG/NBD: 1 - P(alive)",
        "Constant (base rate)") with ``auc``, ``precision_top``, ``base_rate``, ``lift``,
        ``customers`` on the held-back customers.
    calibration : DataFrame
        :func:`calibration_table` of both probability models, with a ``model`` column.
    importance : DataFrame
        ``feature``, ``label`` (plain words), ``importance`` (mean AUC drop), ``std``,
        ``direction`` (+1: higher values mean more risk, -1: less), sorted.
    drivers : list of str
        The top drivers in words.
    verdict : list of str
        Plain-language comparison of the churn model with the BG/NBD baseline.
    cutoff, as_of : Timestamp
    horizon_days : int
    n_train, n_test : int
    """

    scores: pd.DataFrame
    evaluation: pd.DataFrame
    calibration: pd.DataFrame
    importance: pd.DataFrame
    drivers: list[str]
    verdict: list[str]
    cutoff: pd.Timestamp
    as_of: pd.Timestamp
    horizon_days: int
    n_train: int
    n_test: int
    settings: dict = field(default_factory=dict)


@dataclass
class ChurnInputs:
    """The per-customer tables the churn model learns from and scores.

    Built from transactions in memory (:func:`churn_inputs`) or in a database engine
    (:func:`analysis.pushdown.churn_model`); :meth:`ChurnModel.fit_inputs` does the rest, the
    same way for both. Rows are in the order the customers come in (it decides the split).

    Attributes
    ----------
    features_cut : DataFrame
        :func:`churn_features` at the cutoff, of the customers in ``summary_cut``.
    labels : ndarray of int64
        1 for each row of ``features_cut`` whose customer made no purchase order in the
        ``horizon_days`` from the cutoff.
    summary_cut, summary_now : DataFrame
        :func:`analysis.clv.clv_summary` in days at the cutoff and at ``as_of``.
    features_now : DataFrame
        :func:`churn_features` at ``as_of``, of the customers in ``summary_now``.
    cutoff, as_of : Timestamp
        ``as_of - horizon_days`` and the end of the data (exclusive).
    horizon_days : int
    amount_note : str or None
        The note on customers left out for implausible amounts.
    """

    features_cut: pd.DataFrame
    labels: np.ndarray
    summary_cut: pd.DataFrame
    features_now: pd.DataFrame
    summary_now: pd.DataFrame
    cutoff: pd.Timestamp
    as_of: pd.Timestamp
    horizon_days: int
    amount_note: str | None = None


def churn_inputs(tx: pd.DataFrame, *, horizon_days: int = 90, as_of=None) -> ChurnInputs:
    """Return the :class:`ChurnInputs` of ``tx`` (see :mod:`analysis.churn`).

    Customers with an implausible amount are left out (``NotEnoughData`` when that is
    everyone); a history shorter than two horizons is refused (:func:`check_history`).
    """
    check_horizon(horizon_days)
    kept, amount_note = drop_implausible_amounts(tx)
    if amount_note and len(kept) == 0:
        n = tx["customer_id"].nunique()
        raise NotEnoughData(implausible_amounts_note(n, nothing_left_for=""))
    tx = kept
    end = resolve_as_of(tx, as_of)
    cutoff = end - pd.Timedelta(days=horizon_days)
    check_history(tx["order_date"].min(), end, cutoff, horizon_days)
    with sharing_purchase_days(tx, end):  # both summaries from one pass over the rows
        summary_cut = clv_summary(tx, as_of=cutoff, time_unit="D")
        summary_now = clv_summary(tx, as_of=end, time_unit="D")
    # One order table at each date (the one at the end also gives the labels) and the
    # category / channel codes found once for both dates.
    mix = mix_codes(tx)
    X = features_from(order_table(tx, cutoff), mix, recent_days=horizon_days)
    X = X[in_index(X.index, summary_cut.index)]
    ot_now = order_table(tx, end)
    y = labels_from(ot_now, X.index, start=cutoff).to_numpy()
    X_now = features_from(ot_now, mix, recent_days=horizon_days)
    return ChurnInputs(
        features_cut=X,
        labels=y,
        summary_cut=summary_cut,
        features_now=X_now[in_index(X_now.index, summary_now.index)],
        summary_now=summary_now,
        cutoff=cutoff,
        as_of=end,
        horizon_days=horizon_days,
        amount_note=amount_note,
    )


def _classifier(random_state: int) -> HistGradientBoostingClassifier:
    """Return the gradient-boosted classifier every churn fit uses (fixed settings)."""
    return HistGradientBoostingClassifier(
        learning_rate=0.06,
        max_iter=250,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=15,
        random_state=random_state,
    )


def churn_model(
    tx: pd.DataFrame,
    *,
    horizon_days: int = 90,
    as_of=None,
    test_share: float = 0.3,
    random_state: int = 0,
) -> ChurnResult:
    """Train, evaluate and apply the churn-risk model (see :mod:`analysis.churn`).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    horizon_days : int
        Churn = no purchase order in this many days.
    as_of : date-like or None
        End of the data, exclusive (default: the day after the last transaction).
    test_share : float
        Share of customers held back for the evaluation.
    random_state : int
        Seed of the split and the model.

    Returns
    -------
    ChurnResult

    Raises
    ------
    NotEnoughData
        A ``ValueError`` in plain words, when the history is too short or has too few
        customers who stayed or left to learn from.
    """
    model = ChurnModel(horizon_days=horizon_days, test_share=test_share, random_state=random_state)
    return model.fit(tx, as_of=as_of).result_


class ChurnModel:
    """Churn risk for the next ``horizon_days``, learnt from the last such period.

    Parameters
    ----------
    horizon_days : int
        Churn = no purchase order in this many days.
    test_share : float
        Share of customers held back for the evaluation.
    random_state : int
        Seed of the split and the classifier.

    Attributes
    ----------
    classifier_ : HistGradientBoostingClassifier
        Fitted on every customer at the cutoff (``as_of - horizon_days``).
    result_ : ChurnResult
        The evaluation on the held-back customers and the current customers' risk.
    cutoff_, as_of_ : Timestamp
        The cutoff and the end of the data (exclusive).
    """

    def __init__(
        self, *, horizon_days: int = 90, test_share: float = 0.3, random_state: int = 0
    ) -> None:
        self.horizon_days = horizon_days
        self.test_share = test_share
        self.random_state = random_state

    def fit(self, tx: pd.DataFrame, *, as_of=None) -> ChurnModel:
        """Train at the cutoff, evaluate on held-back customers and score today's customers.

        Parameters
        ----------
        tx : DataFrame
            Canonical transactions.
        as_of : date-like or None
            End of the data, exclusive (default: the day after the last transaction).

        Returns
        -------
        ChurnModel
            ``self``, fitted (``result_`` holds everything the pages show).
        """
        return self.fit_inputs(churn_inputs(tx, horizon_days=self.horizon_days, as_of=as_of))

    def fit_inputs(self, inputs: ChurnInputs) -> ChurnModel:
        """Fit on :class:`ChurnInputs` built in memory or in a database engine.

        The model part of :meth:`fit`: the same split, classifier and scores.

        Returns
        -------
        ChurnModel
            ``self``, fitted.
        """
        horizon = self.horizon_days
        if inputs.horizon_days != horizon:
            raise ValueError(
                f"The inputs are for a {inputs.horizon_days}-day horizon, the model for {horizon}."
            )
        X, y, cutoff, end = inputs.features_cut, inputs.labels, inputs.cutoff, inputs.as_of
        _check_classes(y, cutoff, horizon)
        evaluation, calibration, importance, split = self._evaluate(X, y, inputs.summary_cut)
        self.cutoff_, self.as_of_ = cutoff, end
        scores = self._score(inputs.features_now, inputs.summary_now)
        note = [inputs.amount_note] if inputs.amount_note else []
        self.result_ = ChurnResult(
            scores=scores,
            evaluation=evaluation,
            calibration=calibration,
            importance=importance,
            drivers=describe_drivers(importance),
            verdict=describe_verdict(evaluation, horizon) + note,
            cutoff=cutoff,
            as_of=end,
            horizon_days=horizon,
            n_train=len(split[0]),
            n_test=len(split[1]),
            settings={"horizon_days": horizon, "test_share": self.test_share},
        )
        return self

    def _evaluate(self, X: pd.DataFrame, y: np.ndarray, summary_cut: pd.DataFrame):
        """Fit on part of the customers at the cutoff, score the rest against BG/NBD.

        Also fits ``classifier_`` on every customer at the cutoff. Returns the evaluation,
        calibration and importance tables and the ``(train, test)`` positions.
        """
        seed = self.random_state
        idx_train, idx_test = train_test_split(
            np.arange(len(y)), test_size=self.test_share, stratify=y, random_state=seed
        )
        # Plain arrays (no per-call DataFrame checks) and one OpenMP thread: on small data the
        # thread hand-offs cost more than they save, many times over on a busy two-core machine.
        values = X.to_numpy(dtype=np.float64)
        with one_thread("openmp"):
            model = _classifier(seed).fit(values[idx_train], y[idx_train])
            X_test, y_test = X.iloc[idx_test], y[idx_test]
            risk_test = model.predict_proba(values[idx_test])[:, 1]
            importance = importance_table(model, X_test, y_test, risk_test, seed)
            self.classifier_ = _classifier(seed).fit(values, y)
        bg_cut = BetaGeoModel().fit(summary_cut)
        sub = summary_cut.loc[X_test.index]
        bg_none = bg_cut.probability_no_purchase(self.horizon_days, sub).to_numpy()
        bg_dead = 1.0 - bg_cut.probability_alive(sub).to_numpy()
        rows = {
            "Churn model": evaluate_risk(y_test, risk_test),
            "BG/NBD: P(no purchase)": evaluate_risk(y_test, bg_none),
            "BG/NBD: 1 - P(alive)": evaluate_risk(y_test, bg_dead),
            "Constant (base rate)": evaluate_risk(
                y_test, np.full(len(y_test), y[idx_train].mean())
            ),
        }
        evaluation = pd.DataFrame.from_dict(rows, orient="index").rename_axis("model").reset_index()
        calibration = pd.concat(
            [
                calibration_table(y_test, risk_test).assign(model="Churn model"),
                calibration_table(y_test, bg_none).assign(model="BG/NBD: P(no purchase)"),
            ],
            ignore_index=True,
        )
        return evaluation, calibration, importance, (idx_train, idx_test)

    def predict_risk(self, features: pd.DataFrame) -> np.ndarray:
        """Return each customer's probability of no purchase in the next ``horizon_days``.

        Parameters
        ----------
        features : DataFrame
            :func:`~analysis.churn.features.churn_features` columns, as at the fit.
        """
        if not hasattr(self, "classifier_"):
            raise NotFittedError("ChurnModel is not fitted yet; call fit(tx).")
        with one_thread("openmp"):  # see _evaluate
            return self.classifier_.predict_proba(features.to_numpy(dtype=np.float64))[:, 1]

    def _score(self, X_now: pd.DataFrame, summary_now: pd.DataFrame) -> pd.DataFrame:
        """Return today's customers with their churn risk and BG/NBD figures, riskiest first.

        The classifier refitted on every customer at the cutoff scores the features at
        ``as_of`` (``X_now``, the customers of ``summary_now``).
        """
        horizon = self.horizon_days
        bg_now = BetaGeoModel().fit(summary_now)
        now = summary_now.loc[X_now.index]
        scores = pd.DataFrame(
            {
                "churn_risk": self.predict_risk(X_now),
                "p_alive": bg_now.probability_alive(now).to_numpy(),
                "bgnbd_no_purchase": bg_now.probability_no_purchase(horizon, now).to_numpy(),
            },
            index=X_now.index,
        ).join(X_now)
        return scores.sort_values("churn_risk", ascending=False, kind="stable")


def check_horizon(horizon_days: int) -> None:
    """Refuse a churn horizon shorter than one day (``ValueError``)."""
    if horizon_days < 1:
        raise ValueError("The churn horizon must be at least one day.")


def check_history(first, end, cutoff, horizon_days: int) -> None:
    """Refuse a history shorter than two churn horizons (one to learn from, one to check).

    ``first`` is the first transaction date; ``end`` and ``cutoff`` the end of the data and
    ``end - horizon_days``.
    """
    first = pd.Timestamp(first).normalize()
    if cutoff - first < pd.Timedelta(days=horizon_days):
        raise NotEnoughData(
            f"The data covers {(end - first).days} days, but learning who leaves within "
            f"{horizon_days} days needs at least {2 * horizon_days}: one period of history and "
            "one period to see what happened next. Try a shorter churn horizon."
        )


def _check_classes(y: np.ndarray, cutoff, horizon_days: int) -> None:
    """Refuse too few customers, or too few who left or stayed, to learn from."""
    n_churn = int(y.sum())
    if len(y) < MIN_CUSTOMERS or min(n_churn, len(y) - n_churn) < MIN_PER_CLASS:
        raise NotEnoughData(
            f"At {cutoff:%d %b %Y} there are {len(y):,} customers, of whom {n_churn:,} did not "
            f"buy again within {horizon_days} days and {len(y) - n_churn:,} did: too few of each "
            f"to learn from (at least {MIN_CUSTOMERS:,} customers and {MIN_PER_CLASS:,} of each "
            "kind)."
        )
