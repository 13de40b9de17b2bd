"""Distinctive terms: weighted log-odds with an informative Dirichlet prior ("Fightin' words")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.feedback._common import non_empty_text
from analysis.feedback.scores import nps_category
from analysis.feedback.themes import NEGATIONS, TOKEN_PATTERN

__all__ = ["distinctive_terms"]

_TERM_COLUMNS = [
    "term",
    "words",
    "count_group",
    "count_reference",
    "per_1000_group",
    "per_1000_reference",
    "log_odds",
    "z",
    "favours",
]


def _groups(responses: pd.DataFrame, group_by: str, group: str, reference: str | None):
    """Return the masks of the group and the reference, and the reference's name."""
    if group_by == "category":
        labels = nps_category(responses["score"]).astype("str")
    else:
        if group_by not in responses.columns:
            raise ValueError(f"There is no column {group_by!r} in the responses.")
        labels = responses[group_by].astype("str")
    in_group = (labels == group).fillna(False).to_numpy(dtype=bool)
    if reference is None:
        return in_group, ~in_group & labels.notna().to_numpy(dtype=bool), f"not {group}"
    return in_group, (labels == reference).fillna(False).to_numpy(dtype=bool), str(reference)


def _term_counts(comments: pd.Series, in_group: np.ndarray, in_ref: np.ndarray):
    """Count words and word pairs in the group's, the reference's and all comments.

    Returns ``(terms, y_group, y_reference, y_all)`` as float arrays over the terms, or None
    when no comment has a word or either side has none.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    has_text = non_empty_text(comments)
    text = comments.astype("str").fillna("").to_numpy(dtype=object)
    vec = CountVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=(1, 2), lowercase=True)
    try:
        X = vec.fit_transform(text[has_text])
    except ValueError:  # no comment has a word: nothing to compare
        return None
    y_i = np.asarray(X[in_group[has_text]].sum(axis=0)).ravel().astype(np.float64)
    y_j = np.asarray(X[in_ref[has_text]].sum(axis=0)).ravel().astype(np.float64)
    if y_i.sum() == 0 or y_j.sum() == 0:
        return None
    y_all = np.asarray(X.sum(axis=0)).ravel().astype(np.float64)
    return vec.get_feature_names_out(), y_i, y_j, y_all


def _log_odds(y_i: np.ndarray, y_j: np.ndarray, alpha: np.ndarray) -> tuple:
    """Return delta_w and z_w of Monroe et al. (2008), eq. 22 and 24, for every term."""
    n_i, n_j, a0 = y_i.sum(), y_j.sum(), alpha.sum()
    delta = np.log((y_i + alpha) / (n_i + a0 - y_i - alpha)) - np.log(
        (y_j + alpha) / (n_j + a0 - y_j - alpha)
    )
    z = delta / np.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))
    return delta, z


def _reportable(terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return which terms may be reported and each term's number of words.

    A term is reported when none of its words is a stop word (negations allowed) and at least
    one word is a content word: "not fresh" and "late" stay, "the coffee" and "not" go.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    stop = set(ENGLISH_STOP_WORDS) - NEGATIONS
    split = [t.split(" ") for t in terms]
    only_stop = np.array(
        [any(w in stop for w in ws) or all(w in NEGATIONS for w in ws) for ws in split],
        dtype=bool,
    )
    return ~only_stop, np.array([len(ws) for ws in split], dtype=np.int64)


def distinctive_terms(
    responses: pd.DataFrame,
    *,
    group_by: str = "category",
    group: str = "detractor",
    reference: str | None = "promoter",
    min_count: int = 3,
    top: int = 15,
) -> pd.DataFrame:
    """Find words and two-word phrases over-represented in one group's comments.

    The statistic is the weighted log-odds ratio with an informative Dirichlet prior
    (Monroe, Colaresi & Quinn 2008, "Fightin' words", eq. 22 and 24): for term w with counts
    ``y_w^i`` in the group (``n^i`` terms in all) and ``y_w^j`` in the reference, and prior
    ``a_w`` = the term's count in all comments of the table (``a_0`` = their sum),

    ``delta_w = log((y_w^i + a_w) / (n^i + a_0 - y_w^i - a_w))
    - log((y_w^j + a_w) / (n^j + a_0 - y_w^j - a_w))``,
    ``var(delta_w) ~ 1 / (y_w^i + a_w) + 1 / (y_w^j + a_w)``, ``z_w = delta_w / sqrt(var)``.

    The prior shrinks the log-odds of rare terms towards zero, so a word said twice does not
    top the list. Terms are lower-cased words of two or more letters and adjacent word pairs;
    stop words are kept while counting (so no false pairs are made across them, and "not
    fresh" stays a phrase) but terms containing an English stop word other than a negation
    (not, no, never ...), or made only of negations, are not reported.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``comment`` (and ``score`` when ``group_by="category"``).
    group_by : str
        ``"category"`` (promoter / passive / detractor from the score) or any column.
    group : str
        The group whose distinctive terms are wanted.
    reference : str or None
        The group compared against; None means all other responses.
    min_count : int
        Terms said fewer times than this in the two groups together are skipped.
    top : int
        Rows returned for each side (over-represented in ``group`` and in ``reference``).

    Returns
    -------
    DataFrame
        Columns ``term``, ``words`` (1 or 2), ``count_group``, ``count_reference``,
        ``per_1000_group``, ``per_1000_reference`` (rates per 1000 terms), ``log_odds``
        (delta), ``z`` and ``favours`` (the group name, or the reference's for negative z);
        the ``top`` most positive z first, then the ``top`` most negative (most negative
        last). Empty when either group has no comment words.
    """
    if "comment" not in responses.columns:
        return pd.DataFrame(columns=_TERM_COLUMNS)
    in_group, in_ref, ref_name = _groups(responses, group_by, group, reference)
    counted = _term_counts(responses["comment"], in_group, in_ref)
    if counted is None:
        return pd.DataFrame(columns=_TERM_COLUMNS)
    terms, y_i, y_j, y_all = counted
    n_i, n_j = y_i.sum(), y_j.sum()
    delta, z = _log_odds(y_i, y_j, y_all)
    reportable, words = _reportable(terms)
    keep = reportable & (y_i + y_j >= min_count)
    table = pd.DataFrame(
        {
            "term": pd.array(terms[keep], dtype="str"),
            "words": words[keep],
            "count_group": y_i[keep].astype(np.int64),
            "count_reference": y_j[keep].astype(np.int64),
            "per_1000_group": 1000.0 * y_i[keep] / n_i,
            "per_1000_reference": 1000.0 * y_j[keep] / n_j,
            "log_odds": delta[keep],
            "z": z[keep],
        }
    )
    table["favours"] = pd.array(np.where(table["z"] > 0, str(group), ref_name), dtype="str")
    ordered = table.sort_values(["z", "term"], ascending=[False, True], kind="stable")
    pos = ordered[ordered["z"] > 0].head(top)
    neg = ordered[ordered["z"] < 0].tail(top)
    return pd.concat([pos, neg], ignore_index=True)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
