"""Themes in the comments: TF-IDF and NMF on clauses, each theme with its size, NPS and examples.

See :class:`ThemeModel` for how the number of themes is chosen and :func:`theme_analysis` for
how comments, clauses and themes are tied together.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.errors import NotEnoughData
from analysis.core.floats import make_float_safe
from analysis.feedback._common import SMALL_GROUP, adjusted_wald, non_empty_text, score_array

__all__ = [
    "CLAUSE_SPLIT",
    "DOMAIN_STOP_WORDS",
    "ThemeModel",
    "ThemeResult",
    "comment_themes",
    "response_themes",
    "split_clauses",
    "theme_analysis",
]

#: Words that say nothing about *what* a comment is about (sentiment, shopping in general).
DOMAIN_STOP_WORDS = frozenset(
    """
    order orders ordered ordering product products item items shop store buy bought got get
    just really also will would again thanks thank great good nice love lovely excellent
    amazing best bad terrible poor awful recommend recommended disappointed impressed happy
    keep like did does way far time ok okay overall definitely
    """.split()
)
#: A word: two or more letters (digits and underscores split words).
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"
#: Words that turn a phrase around ("not fresh"): kept in phrases by :func:`distinctive_terms`.
NEGATIONS = frozenset({"not", "no", "nor", "never", "nothing", "nobody", "cannot"})
#: Where a comment is split into clauses before themes are fitted: sentence ends, semicolons,
#: line breaks and ", but" / ", although" (a mixed comment is usually two statements).
CLAUSE_SPLIT = r"[.!?;\n]+|,\s*(?:but|although|though|however)\s+|\s+but\s+"


def _stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(set(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS)


class ThemeModel:
    """Themes in short texts: TF-IDF + NMF with a number of themes chosen from the data.

    Texts are lower-cased and split into words of two or more letters; English stop words and
    :data:`DOMAIN_STOP_WORDS` (sentiment and generic shopping words, which say how people feel
    but not about what) are removed, as are words in fewer than ``min_df`` texts or in more
    than half of them. Each text becomes a TF-IDF vector (sublinear term frequency, unit
    length) and non-negative matrix factorisation (NMF, Frobenius loss, deterministic NNDSVDa
    start) splits the matrix into themes (weighted word lists) and each text's weight on each
    theme; a text's theme is its largest weight.

    **Number of themes.** When ``n_themes`` is None, k is tried from ``max_themes`` down to
    ``min_themes`` (``max_themes`` is capped at one theme per 20 texts) and the first, i.e.
    the *largest*, k whose themes are all *substantive and distinct* is kept: every theme is
    the main theme of at least ``min_share`` of the texts (and of 5 texts), and no two themes
    share more than half of their top 10 words. Measures such as reconstruction error or
    silhouette only improve as k grows on short comments, and topic coherence picked
    unstable k on our tests, so the rule splits as finely as the data supports and stops when
    themes become tiny or repeat one another; a manager would rather see "price" apart from
    "quality" than merged. When no k passes, the smallest is kept. Every k tried is listed in
    ``selection_``.

    Parameters
    ----------
    n_themes : int or None
        Fixed number of themes, or None to choose from the data.
    min_themes, max_themes : int
        Range searched when ``n_themes`` is None.
    min_share : float
        Smallest share of texts (0..1) a theme must be the main theme of.
    min_df : int
        Minimum number of texts a word must appear in.
    random_state : int
        Seed of the NMF initialisation (results are deterministic for a given seed).

    Attributes
    ----------
    n_themes_ : int
        Number of themes fitted.
    terms_ : ndarray of str
        Vocabulary.
    components_ : ndarray, shape (n_themes_, n_terms)
        Theme-word weights.
    weights_ : ndarray, shape (n_texts, n_themes_)
        Text-theme weights of the fitted texts.
    labels_ : ndarray of int
        Theme of each fitted text (largest weight), -1 when a text has no vocabulary word.
    selection_ : DataFrame
        ``k``, ``min_share`` (smallest theme's share of texts), ``max_overlap`` (largest
        shared fraction of top-10 words between two themes), ``reconstruction_error`` and
        ``accepted`` for every k tried.
    """

    def __init__(
        self,
        n_themes: int | None = None,
        *,
        min_themes: int = 3,
        max_themes: int = 10,
        min_share: float = 0.03,
        min_df: int = 3,
        random_state: int = 0,
    ) -> None:
        self.n_themes = n_themes
        self.min_themes = min_themes
        self.max_themes = max_themes
        self.min_share = min_share
        self.min_df = min_df
        self.random_state = random_state

    def _candidates(self, n_used: int, n_terms: int) -> list[int]:
        """Return the numbers of themes to try, largest first (``NotEnoughData`` if none fits)."""
        if self.n_themes is not None:
            ks = [int(self.n_themes)]
        else:
            hi = min(self.max_themes, n_used // 20, n_terms - 1)
            ks = list(range(max(hi, self.min_themes), self.min_themes - 1, -1))
        if ks[-1] < 1 or ks[0] > min(n_used, n_terms):
            raise NotEnoughData(
                f"{n_used} comments with {n_terms} distinct words are too few for {ks[0]} themes."
            )
        return ks

    def _try(self, X, k: int, has_words: np.ndarray) -> tuple[tuple, tuple]:
        """Fit NMF with ``k`` themes: return the selection row and ``(k, model, W, labels)``."""
        from sklearn.decomposition import NMF

        model = NMF(n_components=k, init="nndsvda", random_state=self.random_state, max_iter=1000)
        W = model.fit_transform(X)
        labels = np.where(has_words & (W.max(axis=1) > 0), W.argmax(axis=1), -1)
        sizes = np.bincount(labels[labels >= 0], minlength=k)
        min_share = float(sizes.min() / max(int(has_words.sum()), 1))
        top = [set(np.argsort(h)[::-1][:10]) for h in model.components_]
        n_top = max(min(10, X.shape[1]), 1)
        max_overlap = max(
            (len(a & b) / n_top for i, a in enumerate(top) for b in top[i + 1 :]), default=0.0
        )
        accepted = min_share >= self.min_share and sizes.min() >= 5 and max_overlap <= 0.5
        row = (k, min_share, max_overlap, float(model.reconstruction_err_), accepted)
        return row, (k, model, W, labels)

    def fit(self, texts) -> ThemeModel:
        """Fit themes to an iterable of strings (empty strings are allowed).

        Parameters
        ----------
        texts : iterable of str
            The texts (here: the clauses of the comments).

        Returns
        -------
        ThemeModel
            ``self``, fitted.

        Raises
        ------
        NotEnoughData
            If the texts contain no usable word, or are too few for the themes asked for.
        """
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [str(c) for c in texts]
        vec = TfidfVectorizer(
            stop_words=_stop_words(),
            token_pattern=TOKEN_PATTERN,
            lowercase=True,
            min_df=min(self.min_df, max(1, len(docs) // 20)),
            max_df=0.5,
            sublinear_tf=True,
        )
        try:
            X = vec.fit_transform(docs)
        except ValueError as exc:  # empty vocabulary
            raise NotEnoughData("The comments contain no words to find themes in.") from exc
        self.vectorizer_ = vec
        self.terms_ = vec.get_feature_names_out()
        has_words = np.asarray(X.getnnz(axis=1) > 0)
        rows = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for k in self._candidates(int(has_words.sum()), X.shape[1]):
                row, chosen = self._try(X, k, has_words)
                rows.append(row)
                if row[-1] or self.n_themes is not None:
                    break
        self.selection_ = pd.DataFrame(
            rows, columns=["k", "min_share", "max_overlap", "reconstruction_error", "accepted"]
        )
        k, model, W, labels = chosen
        self.n_themes_ = k
        self.nmf_ = model
        self.components_ = model.components_
        self.weights_ = W
        self.labels_ = labels.astype(np.int64)
        return self

    def top_terms(self, n: int = 8) -> list[list[str]]:
        """Return the ``n`` highest-weighted words of each theme."""
        return [[str(self.terms_[i]) for i in np.argsort(h)[::-1][:n]] for h in self.components_]


def split_clauses(comments: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Split comments into clauses.

    Parameters
    ----------
    comments : Series of str
        The comments.

    Returns
    -------
    owner : ndarray of int64
        Position (0-based, in ``comments``) of the comment each clause comes from.
    clauses : ndarray of object
        Clause texts, stripped; clauses without a letter are dropped.
    """
    parts = comments.astype("str").fillna("").str.split(CLAUSE_SPLIT, regex=True)
    exploded = parts.explode()
    owner = np.repeat(np.arange(len(comments), dtype=np.int64), parts.str.len().to_numpy())
    text = exploded.astype("str").str.strip().fillna("")
    keep = text.str.contains(r"[^\W\d_]", regex=True).fillna(False).to_numpy(dtype=bool)
    return owner[keep], text.to_numpy(dtype=object)[keep]


@dataclass(frozen=True)
class ThemeResult:
    """Themes of a responses table.

    Attributes
    ----------
    table : DataFrame
        See :func:`comment_themes`.
    assignments : Series
        Main theme number of each response (index of the responses): the theme with the
        largest total weight over the comment's clauses; ``<NA>`` without a comment or
        without a theme word (nullable Int64).
    mentions : DataFrame
        Boolean, one row per response (same index) and one column per theme number: the
        comment has a clause whose theme is that one (a comment can mention several).
    names : Series
        Theme name per theme number.
    selection : DataFrame
        The numbers of themes tried and why (see :class:`ThemeModel`).
    n_comments : int
        Responses with a non-empty comment.
    message : str
        Why there are no themes (empty when there are).
    """

    table: pd.DataFrame
    assignments: pd.Series
    mentions: pd.DataFrame
    names: pd.Series
    selection: pd.DataFrame
    n_comments: int
    message: str = ""


_THEME_COLUMNS = [
    "theme",
    "top_terms",
    "responses",
    "share",
    "nps",
    "ci_low",
    "ci_high",
    "small",
    "examples",
]


def _no_themes(responses: pd.DataFrame, n_comments: int, message: str) -> ThemeResult:
    """Return an empty result that says why there are no themes."""
    return ThemeResult(
        pd.DataFrame(columns=_THEME_COLUMNS),
        pd.Series(
            pd.array([pd.NA] * len(responses), dtype="Int64"), index=responses.index, name="theme"
        ),
        pd.DataFrame(index=responses.index),
        pd.Series(dtype="str"),
        pd.DataFrame(),
        n_comments,
        message,
    )


@dataclass(frozen=True)
class _Clauses:
    """The fitted model with the clauses and comments it was fitted on."""

    model: ThemeModel
    owner: np.ndarray  # comment position of each clause
    clauses: np.ndarray  # clause texts
    texts: pd.Series  # the non-empty comments, stripped
    comment_w: np.ndarray  # (comments, themes): clause weights summed per comment
    mention: np.ndarray  # (comments, themes): a clause of the comment has the theme


def _fit_clauses(texts: pd.Series, n_themes: int | None, random_state: int) -> _Clauses:
    """Fit themes on the comments' clauses and sum the clause weights per comment."""
    owner, clauses = split_clauses(texts)
    model = ThemeModel(n_themes, random_state=random_state).fit(clauses)
    k, W = model.n_themes_, model.weights_
    comment_w = np.column_stack(
        [np.bincount(owner, weights=W[:, t], minlength=len(texts)) for t in range(k)]
    )
    labelled = model.labels_ >= 0
    mention = np.zeros((len(texts), k), dtype=bool)
    mention[owner[labelled], model.labels_[labelled]] = True
    return _Clauses(model, owner, clauses, texts, comment_w, mention)


def _per_response(responses: pd.DataFrame, rows: np.ndarray, fit: _Clauses) -> tuple:
    """Return each response's main theme (Int64, NA without one) and its mentions."""
    k = fit.model.n_themes_
    main = np.where(fit.comment_w.max(axis=1) > 0, fit.comment_w.argmax(axis=1), -1)
    assign = np.full(len(responses), -1, dtype=np.int64)
    assign[rows] = main
    assignments = pd.Series(
        pd.array(np.where(assign >= 0, assign, 0), dtype="Int64"),
        index=responses.index,
        name="theme",
    ).mask(assign < 0)
    mentions_all = np.zeros((len(responses), k), dtype=bool)
    mentions_all[rows] = fit.mention
    return assignments, pd.DataFrame(mentions_all, index=responses.index, columns=pd.RangeIndex(k))


def _examples(fit: _Clauses, n_examples: int) -> list[str]:
    """Return up to ``n_examples`` representative comments per theme, joined by " | ".

    Clauses of the theme are ranked by the share of their comment's weight on it, then the
    clause's share and weight; one comment per distinct wording.
    """
    W, owner = fit.model.weights_, fit.owner
    purity = W / np.maximum(W.sum(axis=1, keepdims=True), 1e-12)
    comment_purity = fit.comment_w / np.maximum(fit.comment_w.sum(axis=1, keepdims=True), 1e-12)
    norm_clause = (
        pd.Series(fit.clauses, dtype="str")
        .str.lower()
        .str.replace(r"[^\w]+", " ", regex=True)
        .str.strip()
    )
    text_arr = fit.texts.to_numpy(dtype=object)
    examples = []
    for t in range(fit.model.n_themes_):  # loop over themes (a handful), not over responses
        members = np.flatnonzero(fit.model.labels_ == t)
        whole = comment_purity[owner[members], t]
        order = members[np.lexsort((-W[members, t], -purity[members, t], -whole))]
        first = ~norm_clause.iloc[order].duplicated().to_numpy(dtype=bool)
        owners = pd.unique(owner[order[first]])[:n_examples]
        examples.append(" | ".join(str(text_arr[o]) for o in owners))
    return examples


def _theme_table(fit: _Clauses, score: np.ndarray, n_comments: int, n_examples: int):
    """Return the table of themes (largest first) from the fit and the comments' scores."""
    terms = fit.model.top_terms(8)
    names = pd.Series([" / ".join(t[:3]) for t in terms], name="theme", dtype="str")
    mention = fit.mention
    valid = ~np.isnan(score)
    n_theme = mention[valid].sum(axis=0)
    p_theme = mention[valid & (score >= 9)].sum(axis=0)
    d_theme = mention[valid & (score <= 6)].sum(axis=0)
    ci_low, ci_high = adjusted_wald(p_theme, d_theme, n_theme)
    with np.errstate(invalid="ignore", divide="ignore"):
        nps = 100.0 * (p_theme - d_theme) / n_theme
    counts = mention.sum(axis=0)
    table = pd.DataFrame(
        {
            "theme": names.to_numpy(),
            "top_terms": [", ".join(t) for t in terms],
            "responses": counts.astype(np.int64),
            "share": counts / n_comments,
            "nps": nps,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "small": n_theme < SMALL_GROUP,
            "examples": _examples(fit, n_examples),
        }
    )
    table.index.name = "theme_id"
    return table.sort_values("responses", ascending=False, kind="stable"), names


def theme_analysis(
    responses: pd.DataFrame,
    *,
    n_themes: int | None = None,
    n_examples: int = 3,
    min_comments: int = 30,
    random_state: int = 0,
) -> ThemeResult:
    """Find themes in the comments and summarise each with its size, NPS and examples.

    Comments are split into clauses (:data:`CLAUSE_SPLIT`), so that "fast delivery, but too
    expensive" counts for two themes; themes are fitted on the clauses by
    :class:`ThemeModel`. A response *mentions* a theme when one of its clauses has it as main
    theme.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``comment`` and ``score``.
    n_themes : int or None
        Number of themes, or None to choose 3..10 from the data (see :class:`ThemeModel`).
    n_examples : int
        Representative comments per theme: distinct comments whose main theme it is, with the
        highest share of their weight on it.
    min_comments : int
        Fewer non-empty comments than this give no themes and a message instead.
    random_state : int
        Seed of the NMF start.

    Returns
    -------
    ThemeResult
        Never raises for too few comments: the ``message`` says why the table is empty.
    """
    if "comment" not in responses.columns:
        return _no_themes(responses, 0, "The responses have no comment column.")
    has_text = non_empty_text(responses["comment"])
    n_comments = int(has_text.sum())
    if n_comments < min_comments:
        return _no_themes(
            responses,
            n_comments,
            f"Only {n_comments} responses have a comment; themes need at least {min_comments}.",
        )
    rows = np.flatnonzero(has_text)
    texts = responses["comment"].astype("str").iloc[rows].str.strip()
    try:
        fit = _fit_clauses(texts, n_themes, random_state)
    except ValueError as exc:  # ThemeModel.fit: no words, or too few for the themes asked
        return _no_themes(responses, n_comments, str(exc))
    assignments, mentions = _per_response(responses, rows, fit)
    table, names = _theme_table(fit, score_array(responses)[rows], n_comments, n_examples)
    return ThemeResult(
        table=table,
        assignments=assignments,
        mentions=mentions,
        names=names,
        selection=fit.model.selection_,
        n_comments=n_comments,
    )


def comment_themes(responses: pd.DataFrame, *, n_themes: int | None = None) -> pd.DataFrame:
    """Return the themes found in the comments, one row per theme (largest first).

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``comment`` and ``score``.
    n_themes : int or None
        Number of themes, or None to choose it from the data (3..10, see :class:`ThemeModel`).

    Returns
    -------
    DataFrame
        Indexed by ``theme_id`` (the number used by :func:`response_themes`), with ``theme``
        (name: its top 3 words), ``top_terms`` (top 8), ``responses`` (comments assigned),
        ``share`` (of all non-empty comments, 0..1), ``nps``, ``ci_low``, ``ci_high`` (points,
        adjusted-Wald, of the responses in the theme), ``small`` (< 30 responses) and
        ``examples`` (up to three representative comments joined by " | "). Empty when there
        are too few comments (see :func:`theme_analysis` for the reason).
    """
    return theme_analysis(responses, n_themes=n_themes).table


def response_themes(responses: pd.DataFrame, *, n_themes: int | None = None) -> pd.Series:
    """Return the theme number of each response (aligned with ``responses``; NA without one).

    The numbers are the ``theme_id`` index of :func:`comment_themes` for the same arguments.
    """
    return theme_analysis(responses, n_themes=n_themes).assignments


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
