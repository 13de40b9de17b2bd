"""Text and table of the customer value page's model comparison (issue #17).

The explanations are the app's own static text (Markdown with $...$ formulas, which
``st.markdown`` renders); no value from the data goes into them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analysis import clv

#: The session-state key (and address parameter) of the Customer value page's model choice.
MODEL_KEY = "value_model"

MODELS_HELP = r"""
All the models answer the same two questions from each customer's history alone: **is this
customer still a customer, and how many purchases will they make?** A history is three numbers:

- **frequency** $x$: repeat purchases (purchase days after the first one),
- **recency** $t_x$: time from the first to the last purchase,
- **age** $T$: time from the first purchase to the end of the data.

None of them can see a customer leave: a customer who stops buying just goes quiet. The models
tell "quiet because they buy rarely" from "quiet because they left" by comparing a customer's
silence since the last purchase with how often they used to buy. Each model has four numbers
(parameters) that describe the whole customer base; they are estimated by **maximum likelihood**:
the values under which the histories you actually observed are most probable.

##### BG/NBD (beta-geometric / negative binomial)

*In words:* while active, a customer buys at their own steady rate; the rates differ between
customers. After every purchase there is a chance that the customer leaves for good; that chance
also differs between customers.

*In formulas:* purchases of an active customer follow a Poisson process with rate $\lambda$,
with $\lambda \sim \text{Gamma}(r, \alpha)$ across customers. After each purchase the customer
leaves with probability $p$, $p \sim \text{Beta}(a, b)$. The probability that a customer with
history $(x, t_x, T)$ is still active is

$$P(\text{alive}) = \frac{1}{1 + \mathbb{1}[x>0]\,\frac{a}{b + x - 1}\left(\frac{\alpha + T}{\alpha + t_x}\right)^{r + x}}.$$

A customer with no repeat purchase counts as active (they can only leave right after a purchase).

##### Modified BG/NBD (MBG/NBD)

*In words:* the same as BG/NBD, except that a customer can also leave right after their very first
purchase. One-time buyers who have been quiet for a long time are then, sensibly, probably gone.

*In formulas:* as BG/NBD, with the leaving chance also applied at time 0:

$$P(\text{alive}) = \frac{1}{1 + \frac{a}{b + x}\left(\frac{\alpha + T}{\alpha + t_x}\right)^{r + x}}.$$

##### Pareto/NBD

*In words:* the original model of this family. Customers buy at their own steady rate while
active, and each has a lifetime of unknown length: they may leave at any moment, not only right
after a purchase. Both the buying rates and the leaving rates differ between customers.

*In formulas:* purchases are Poisson with rate $\lambda \sim \text{Gamma}(r, \alpha)$; the
lifetime is exponential with rate $\mu \sim \text{Gamma}(s, \beta)$, independent of $\lambda$.
The likelihood of a history is

$$L = \frac{\Gamma(r + x)\,\alpha^r \beta^s}{\Gamma(r)}\left[\frac{1}{(\alpha + T)^{r+x}(\beta + T)^s} + \frac{s}{r + s + x}A_0\right],$$

where $A_0$ (a Gauss hypergeometric function) is the chance of having left somewhere between the
last purchase and the end of the data, and $P(\text{alive})$ is the share of $L$ from the first
term. Expected purchases in the next $t$ time units:

$$E[Y(t)] = P(\text{alive})\;\frac{(r + x)(\beta + T)}{(\alpha + T)(s - 1)}\left[1 - \left(\frac{\beta + T}{\beta + T + t}\right)^{s - 1}\right].$$

##### BG/BB (beta-geometric / beta-binomial), for discrete opportunities

*In words:* some businesses give customers one chance per period to buy: a yearly fund-raising
drive, an annual conference, a weekly market. At each opportunity an active customer buys or not
with their own probability, and before each opportunity they may leave for good with their own
probability.

*In formulas:* at each opportunity an active customer buys with probability
$p \sim \text{Beta}(\alpha, \beta)$ and leaves before it with probability
$\theta \sim \text{Beta}(\gamma, \delta)$. With $n$ opportunities since the first purchase, $x$
of them with a purchase, the last one at opportunity $t_x$:

$$L = \frac{B(\alpha + x, \beta + n - x)}{B(\alpha, \beta)}\frac{B(\gamma, \delta + n)}{B(\gamma, \delta)} + \sum_{i=0}^{n - t_x - 1}\frac{B(\alpha + x, \beta + t_x - x + i)}{B(\alpha, \beta)}\frac{B(\gamma + 1, \delta + t_x + i)}{B(\gamma, \delta)}.$$

The first term is "still active after all $n$ opportunities", each term of the sum "left just
after opportunity $t_x + i$".

##### Probability of exactly n purchases

Each model also gives the whole distribution of a new customer's repeat purchases over a
horizon, $P(X(t) = n)$: how many buy nothing more, once, twice, and so on. It adds up to one, and
its average is the expected number of purchases.
"""

COMPARISON_HELP = r"""
The data are cut in two: the **calibration period** (the first two thirds of the history) and the
**holdout period** (the last third). Every model is fitted on the calibration period only, then
asked how many repeat purchases each of the same customers will make in the holdout period, which
it has not seen. Its predictions are compared with what the customers actually did:

- **Total error**: predicted minus actual total repeat purchases of the whole base, also as a
  percentage. This is what a sales forecast needs.
- **Per-customer error (MAE)**: the average of $|\text{predicted} - \text{actual}|$ over customers.
  This is what targeting individual customers needs. **The model with the smallest per-customer
  error is chosen** and used for the page's forecasts; the others stay one click away. Errors
  within 0.1% of each other count as a tie, settled by the lower BIC (then the simpler model).
- **Log-likelihood and BIC** on the calibration period: how probable the calibration histories are
  under the fitted model; $\text{BIC} = k \ln n - 2\,\text{LL}$ with $k = 4$ parameters and $n$
  customers (lower is better). BG/BB's likelihood is of period patterns rather than purchase
  times, so its BIC cannot be compared with the others'.

When two models are within a few percent of each other the choice hardly matters; a model that is
much worse on the holdout than on the calibration period is a sign that the business changed
(growth, a campaign, a season) or that the history is too short.

References: Schmittlein, Morrison & Colombo (1987), *Management Science* 33(1); Fader, Hardie &
Lee (2005), *Marketing Science* 24(2); Batislam, Denizel & Filiztekin (2007), *International
Journal of Research in Marketing* 24(3); Fader, Hardie & Shang (2010), *Marketing Science* 29(6).
"""

TABLE_COLUMNS = {
    "model": "Model",
    "predicted_total": "Predicted repeat purchases",
    "actual_total": "Actual repeat purchases",
    "total_error_pct": "Error of the total",
    "mae": "Average error per customer",
    "log_likelihood": "Log-likelihood (calibration)",
    "bic": "BIC (calibration; lower is better)",
    "fit_seconds": "Fit time (s)",
}


def comparison_table(result: clv.ModelComparison, *, used: str | None = None) -> pd.DataFrame:
    """Return the comparison table with plain-words column names, best model first.

    Parameters
    ----------
    result : ModelComparison
        :func:`analysis.clv.compare_models` output.
    used : str or None
        Key of the model the page's forecasts use; its row is marked "used for forecasts".

    Returns
    -------
    DataFrame
        One row per fitted model; ``Error of the total`` is a percentage of the actual total;
        BIC is left empty where it cannot be compared with the others (BG/BB).
    """
    table = result.table
    out = table[list(TABLE_COLUMNS)].copy()
    out["total_error_pct"] = out["total_error_pct"] * 100
    out["bic"] = out["bic"].where(table["bic_comparable"].to_numpy(), np.nan)
    out["model"] = [
        f"{name} (used for forecasts)" if key == used else name
        for key, name in zip(table["key"], table["model"], strict=True)
    ]
    return out.rename(columns=TABLE_COLUMNS).reset_index(drop=True)


def chosen_purchase_model() -> str | None:
    """Return the purchase model picked on the Customer value page (None: its default, best fit).

    Other pages that show the value page's figures ask here instead of reading its widget.
    """
    choice = st.session_state.get(MODEL_KEY)
    return choice if choice in clv.PURCHASE_MODELS else None


def best_purchase_model(result: clv.ModelComparison | None) -> str:
    """Key of the best model the forecasts can use (BG/NBD when there is no comparison).

    BG/BB can win the comparison on data with discrete opportunities, but the page's
    forecasts need a continuous-time model: the best of those is returned then.
    """
    if result is None:
        return "bgnbd"
    for key in result.table["key"]:
        if key in clv.PURCHASE_MODELS:
            return str(key)
    return "bgnbd"
