"""The churn sentences: ``describe_<thing>(result) -> list[str]``.

- :func:`describe_drivers`: the strongest drivers of churn risk (old name
  :func:`drivers_in_words`).
- :func:`describe_verdict`: the churn model against the BG/NBD baseline (old name
  :func:`verdict_in_words`).
"""

from __future__ import annotations

import pandas as pd

from analysis.core.text import md_escape, share

__all__ = ["describe_drivers", "describe_verdict", "drivers_in_words", "verdict_in_words"]


def describe_drivers(importance: pd.DataFrame, *, top: int = 3) -> list[str]:
    """Return the strongest drivers of churn risk as sentences (importance > 0.005 AUC)."""
    out = []
    for row in importance.head(top).itertuples():
        if row.importance <= 0.005:
            break
        how = {
            1: "the higher it is, the more likely the customer is to stop buying",
            -1: "the higher it is, the less likely the customer is to stop buying",
            0: "its effect is not a simple more-or-less",
        }[row.direction]
        out.append(
            f"**{md_escape(row.label)}**: {how}. Without it, the model would rank a leaver above "
            f"a stayer {row.importance * 100:.1f} percentage points less often (AUC drop)."
        )
    if not out:
        out.append("No single piece of behaviour stands out: the model's signals are weak.")
    return out


def describe_verdict(evaluation: pd.DataFrame, horizon_days: int) -> list[str]:
    """Return which model predicts churn better on the held-back customers, in plain words."""
    by = evaluation.set_index("model")
    ours, bg = by.loc["Churn model"], by.loc["BG/NBD: P(no purchase)"]
    lines = [
        f"{share(ours['base_rate'])} of the held-back customers did not buy within {horizon_days} "
        "days: that is what guessing would get right among any group you pick.",
        f"Among the 10% the churn model flagged as riskiest, {share(ours['precision_top'])} really "
        f"did not buy again (the purchase-rhythm model, BG/NBD: {share(bg['precision_top'])}).",
        f"Given one customer who left and one who stayed, the churn model ranks the leaver as "
        f"riskier {share(ours['auc'])} of the time (AUC; 50% is a coin toss), BG/NBD "
        f"{share(bg['auc'])}.",
    ]
    diff = ours["auc"] - bg["auc"]
    if diff > 0.01:
        lines.append("On this data the churn model predicts better than the BG/NBD model.")
    elif diff < -0.01:
        lines.append("On this data the simpler BG/NBD model predicts better: prefer its P(alive).")
    else:
        lines.append("On this data both models predict about equally well.")
    return lines


drivers_in_words = describe_drivers
"""Old name of :func:`describe_drivers`."""
verdict_in_words = describe_verdict
"""Old name of :func:`describe_verdict`."""
