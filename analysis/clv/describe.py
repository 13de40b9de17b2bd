"""The Customer value sentences: ``describe_<thing>(result) -> list[str]``.

- :func:`describe_value`: the forecast and the spread of customer value
  (:class:`~analysis.clv.value.ValueReport`); old name :func:`value_insights`.
- :func:`describe_holdout`: how well the model predicted held-back months
  (:class:`~analysis.clv.holdout.HoldoutResult`); old name :func:`holdout_insights`.
- :func:`describe_model_comparison`: which purchase model to use
  (:class:`~analysis.clv.comparison.ModelComparison`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from analysis.clv.comparison import TIE_TOLERANCE
from analysis.core.text import md_escape, money, share

if TYPE_CHECKING:
    from analysis.clv.comparison import ModelComparison
    from analysis.clv.holdout import HoldoutResult
    from analysis.clv.value import ValueReport

__all__ = [
    "describe_holdout",
    "describe_model_comparison",
    "describe_value",
    "format_range",
    "holdout_insights",
    "value_insights",
]


def format_range(low: float, high: float, currency: str | None = None) -> str:
    """Return ``"1,234 to 2,345"``, or a plain note when the data are too few for a range.

    With ``currency`` (ISO code or symbol) the ends are money: ``"€1,234 to €2,345"``, as
    Markdown (a ``$`` is escaped, it starts a formula).
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no reliable range: too little data"
    if currency:
        return f"{_money(low, currency)} to {_money(high, currency)}"
    return f"{low:,.0f} to {high:,.0f}"


def _money(x: float, currency: str | None) -> str:
    """Whole money for a Markdown sentence (``"€1,234"``; a ``$`` escaped)."""
    return md_escape(money(x, currency, decimals=0))


def _forecast_lines(fc, currency: str | None = None) -> list[str]:
    """Sentences about the forecast totals and how their ranges were made."""
    out: list[str] = []
    if not len(fc):
        return out
    last = fc.iloc[-1]
    out.append(
        f"In the next {int(last['months'])} months the model expects about "
        f"{last['expected_purchases']:,.0f} purchases (likely "
        f"{format_range(last['purchases_low'], last['purchases_high'])}) worth about "
        f"{_money(last['expected_revenue'], currency)} (likely "
        f"{format_range(last['revenue_low'], last['revenue_high'], currency)}), if customers "
        "keep behaving as they did."
    )
    out.extend(_range_error_lines(fc))
    draws, asked = fc.attrs.get("draws"), fc.attrs.get("n_draws")
    if draws is not None and asked and draws < asked:
        out.append(
            f"The likely ranges rest on {draws} of {asked} model variations: the work set aside "
            "for them (bounded by the number of customers and their histories) ran out, so they "
            "are rougher than usual."
        )
    sampled, everyone = fc.attrs.get("sampled_customers"), fc.attrs.get("customers")
    if sampled is not None and everyone and sampled < everyone:
        out.append(
            f"To stay quick, the likely ranges were worked out on a random sample of {sampled:,} "
            f"of the {everyone:,} customers; the expected figures use every customer."
        )
    return out


def _range_error_lines(fc) -> list[str]:
    """Say whether the likely ranges include the model's own error on held-back months."""
    if "holdout_error" not in fc.attrs:  # a forecast that was never checked against a holdout
        return []
    error, days = fc.attrs["holdout_error"], fc.attrs.get("holdout_days")
    if error is not None and np.isfinite(error):
        return [
            f"The likely ranges include the model's own error: on the {days} held-back days it "
            f"was {share(error)} off the purchases that were really made, so each end of the "
            f"range is moved out by {share(error)}."
        ]
    return [
        "There is no check of the model against held-back months here (the history is too "
        "short, or nobody bought in them), so the likely ranges cover only the uncertainty of "
        "its parameters and the randomness of purchases, not its own error: read them as "
        "narrower than they should be."
    ]


def describe_value(report: ValueReport, currency: str | None = None) -> list[str]:
    """Return plain-language sentences about the forecast and the spread of customer value.

    Parameters
    ----------
    report : ValueReport
        The forecast and the customers' values (:func:`~analysis.clv.value.value_report`).
    currency : str or None
        ISO code (or symbol) of the file's money (``Dataset.currency``): amounts are written
        in it (``"€1,234"``); ``None`` writes the number alone.

    Returns
    -------
    list of str
        Markdown sentences (amounts escaped for Markdown).
    """
    out = _forecast_lines(report.forecast, currency)
    c = report.customers
    if "clv" in c and len(c) >= 10 and c["clv"].sum() > 0:
        values = np.sort(c["clv"].to_numpy())[::-1]
        k = max(1, int(np.ceil(0.1 * len(values))))
        top = values[:k].sum() / values.sum()
        out.append(
            f"The most valuable 10% of customers ({k:,}) hold {share(top)} of the expected "
            "value: keeping them matters far more than keeping an average customer."
        )
    if len(c):
        gone = int((c["p_alive"] < 0.5).sum())
        out.append(
            f"{gone:,} of {len(c):,} customers ({share(gone / len(c))}) have probably stopped "
            "buying (less than a 50% chance they are still active)."
        )
        one_time = int((c["frequency"] == 0).sum())
        out.append(
            f"{share(one_time / len(c))} of customers have bought only once; the model gives "
            "them the average outlook of new customers, so their individual values are rough."
        )
    return out


def describe_holdout(holdout: HoldoutResult) -> list[str]:
    """Return plain-language sentences about how well the model predicted the holdout."""
    days = (holdout.holdout_end - holdout.calibration_end).days
    diff = holdout.predicted_total / holdout.actual_total - 1 if holdout.actual_total else 0.0
    how = "too high" if diff > 0 else "too low"
    lines = [
        f"Fitted only on the data before {holdout.calibration_end:%d %b %Y}, the model predicted "
        f"{holdout.predicted_total:,.0f} repeat purchases for the following {days} days; the same "
        f"customers actually made {holdout.actual_total:,.0f}, so the prediction was "
        f"{share(abs(diff))} {how}.",
        f"For a single customer the prediction was off by {holdout.mae:.2f} purchases on "
        "average: trust the totals and the ranking more than any one customer's number.",
    ]
    if abs(diff) > 0.2:
        lines.append(
            "A gap of more than 20% means the business changed (growth, a campaign, a season) "
            "or the history is too short: treat the forecasts as a rough guide."
        )
    return lines


value_insights = describe_value
"""Old name of :func:`describe_value` (pages, the report and notebooks use it)."""
holdout_insights = describe_holdout
"""Old name of :func:`describe_holdout`."""


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def describe_model_comparison(result: ModelComparison) -> list[str]:
    """Return plain-language sentences about the comparison: what was done, who won, how close."""
    table = result.table
    if result.best is None or len(table) == 0:
        return ["No model could be fitted on the calibration period."] + list(result.notes)
    out: list[str] = []
    n = len(result.customers)
    actual = float(table["actual_total"].iloc[0])
    if result.calibration_end is not None and result.holdout_end is not None:
        days = (result.holdout_end - result.calibration_end).days
        out.append(
            f"Each model was fitted only on the purchases before "
            f"{result.calibration_end:%d %b %Y} and asked how many repeat purchases the same "
            f"{n:,} customers would make in the following {days} days; they actually made "
            f"{actual:,.0f}."
        )
    else:
        out.append(
            f"Each model was fitted on the calibration period and asked how many repeat "
            f"purchases the {n:,} customers would make in the holdout period; they actually made "
            f"{actual:,.0f}."
        )
    for row in table.itertuples():
        if np.isfinite(row.total_error_pct):
            how = "too high" if row.total_error_pct > 0 else "too low"
            total = f"{row.predicted_total:,.0f} ({share(abs(row.total_error_pct))} {how})"
        else:
            total = f"{row.predicted_total:,.0f}"
        out.append(
            f"{row.model}: predicted {total}; off by {row.mae:.2f} purchases per customer on "
            "average."
        )
    best = table.iloc[0]
    smallest = float(table["mae"].min())
    tied = table[table["mae"] <= smallest * (1 + TIE_TOLERANCE)]
    if len(tied) > 1:
        out.append(
            f"{_and(list(tied['model']))} predicted individual customers equally well (within "
            f"{TIE_TOLERANCE:.1%}); {best['model']} is used, as it fits the calibration period "
            "best for its number of parameters (or is the simpler model)."
        )
    else:
        out.append(
            f"{best['model']} predicted individual customers best (the smallest average "
            "error), so its forecasts are the ones to use."
        )
    if len(table) > len(tied):
        runner = table.iloc[len(tied)]
        gap = runner["mae"] / smallest - 1 if smallest > 0 else 0.0
        if gap < 0.02:
            out.append(
                f"{runner['model']} was almost as good (within {gap:.1%}): on these customers "
                "the choice of model hardly matters."
            )
    comparable = table[table["bic_comparable"]]
    if len(comparable) > 1:
        by_bic = comparable.sort_values("bic").iloc[0]
        out.append(
            f"On the calibration period itself, {by_bic['model']} has the lowest BIC (the best "
            "fit after a penalty for the number of parameters)."
        )
    if not table["converged"].all():
        names = ", ".join(table.loc[~table["converged"], "model"])
        out.append(f"{names} did not fully converge; read its numbers with care.")
    out.extend(result.notes)
    return out
