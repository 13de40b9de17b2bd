"""``detect_columns``: which column plays which role, from header names and cell contents."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.core.columns import RESPONSE_ROLES, TRANSACTION_ROLES
from analysis.ingest import profiles as _profiles
from analysis.ingest.cells import _NULL_TOKENS, _as_text
from analysis.ingest.header_words import _header_score, _normalise_header
from analysis.ingest.parsing import _date_values, _number_values

_EMPTY_PROFILE = {
    "fill": 0.0,
    "num": 0.0,
    "intlike": 0.0,
    "decimals": 0.0,
    "in010": 0.0,
    "in15": 0.0,
    "in17": 0.0,
    "date": 0.0,
    "uniq": 0.0,
    "distinct": 0,
    "avglen": 0.0,
    "alpha": 0.0,
    "spaces": 0.0,
}


@lru_cache(maxsize=8)
def _sample_rows(n: int) -> np.ndarray:
    """Return the rows a long column is profiled on: the first 2,000 and 2,000 spread evenly."""
    idx = np.unique(np.concatenate([np.arange(2000), np.linspace(2000, n - 1, 2000).astype(int)]))
    idx.flags.writeable = False
    return idx


class _Profile:
    """What a column's cells look like, each figure worked out only when a score asks for it.

    Attributes (shares of the non-empty cells unless said otherwise): ``fill`` (share of
    non-empty cells among all), ``num`` (numbers), ``intlike`` and ``decimals`` (shares of the
    numbers that are whole / have a fractional part), ``in010``, ``in15``, ``in17`` (whole
    numbers 0-10, 1-5, 1-7), ``date`` (dates; Excel serials not counted), ``uniq`` (distinct /
    non-empty), ``distinct``, ``avglen``, ``alpha`` (with letters), ``spaces`` (with a space).

    The scores read only a few figures of most columns (a column named "Date" only its dates),
    so each group of figures is computed on first use and kept: the numbers of a date column
    are never parsed. Every figure is the same as if all were computed at once.
    """

    def __init__(self, s: pd.Series) -> None:
        if len(s) > 4000:
            s = s.iloc[_sample_rows(len(s))]
        text = _as_text(s).str.strip()
        nonempty = text[~text.isin(_NULL_TOKENS)]
        self._k = k = len(nonempty)
        self.fill = k / max(len(text), 1)
        if k == 0:
            self.__dict__.update(_EMPTY_PROFILE)
            return
        # every figure is a share of the non-empty cells: worked out once per distinct value,
        # weighted by how many cells hold it
        codes, uniques = pd.factorize(nonempty)
        self._u = pd.Series(uniques, dtype=nonempty.dtype)
        self._counts = np.bincount(codes, minlength=len(uniques))
        self._digits: np.ndarray | None = None

    def __getattr__(self, name: str) -> float:
        """Compute the group of figures ``name`` belongs to (only called when not yet known)."""
        compute = _GROUPS.get(name)
        if compute is None:
            raise AttributeError(name)
        compute(self)
        return self.__dict__[name]

    def _share(self, mask: np.ndarray) -> float:
        """Return the share of the non-empty cells whose value is marked in ``mask``."""
        return int(self._counts[mask].sum()) / self._k

    def _with_digits(self) -> np.ndarray:
        """Return which distinct values hold a digit (numbers and dates need one)."""
        if self._digits is None:
            self._digits = self._u.str.contains(r"\d", regex=True).to_numpy(
                dtype=bool, na_value=False
            )
        return self._digits

    def _numbers(self) -> None:
        digits = self._with_digits()
        v = np.full(len(self._u), np.nan)
        if digits.any():  # skip the parser for plain text
            u = self._u[digits].reset_index(drop=True)
            v[digits] = _number_values(u, self._counts[digits])[0]
        isnum = ~np.isnan(v)
        whole = isnum & (np.mod(np.where(isnum, v, 0), 1) == 0)
        n_num = int(self._counts[isnum].sum())
        self.num = self._share(isnum)
        self.intlike = int(self._counts[whole].sum()) / max(n_num, 1)
        self.decimals = int(self._counts[isnum & ~whole].sum()) / max(n_num, 1)
        self.in010 = self._share(whole & (v >= 0) & (v <= 10))
        self.in15 = self._share(whole & (v >= 1) & (v <= 5))
        self.in17 = self._share(whole & (v >= 1) & (v <= 7))

    def _dates(self) -> None:
        digits = self._with_digits()
        is_date = np.zeros(len(self._u), dtype=bool)
        if digits.any():  # skip the parser for plain text
            u = self._u[digits].reset_index(drop=True)
            dates = _date_values(u, self._counts[digits], None, allow_serial=False)[0]
            is_date[digits] = ~np.isnat(dates)
        self.date = self._share(is_date)

    def _distinct(self) -> None:
        self.distinct = len(self._u)
        self.uniq = self.distinct / self._k

    def _avglen(self) -> None:
        lens = self._u.str.len().to_numpy(dtype=np.int64)
        self.avglen = float(int(lens @ self._counts) / self._k)

    def _alpha(self) -> None:
        letters = self._u.str.contains(r"[^\W\d_]", regex=True).to_numpy(dtype=bool)
        self.alpha = self._share(letters)

    def _spaces(self) -> None:
        self.spaces = self._share(self._u.str.contains(" ", regex=False).to_numpy(dtype=bool))


_GROUPS = {
    **dict.fromkeys(("num", "intlike", "decimals", "in010", "in15", "in17"), _Profile._numbers),
    "date": _Profile._dates,
    "uniq": _Profile._distinct,
    "distinct": _Profile._distinct,
    "avglen": _Profile._avglen,
    "alpha": _Profile._alpha,
    "spaces": _Profile._spaces,
}


def _profile(s: pd.Series) -> _Profile:
    """Return the (lazily computed) profile of a column's cells, on a sample of long columns."""
    return _Profile(s)


def _content_adjust(role: str, p: _Profile, header: float) -> float:
    """Return the bonus or penalty the cells give ``role``.

    Also a score for columns whose name says nothing (``header`` 0).
    """
    if p.fill == 0:
        return -3.0 if header else 0.0
    return _ADJUST.get(role, _no_adjust)(role, p, header)


def _no_adjust(role: str, p: _Profile, header: float) -> float:
    """Leave the score as the header gives it."""
    return 0.0


def _adjust_date(role: str, p: _Profile, header: float) -> float:
    """Reward a column of dates, penalise a named date column that holds none."""
    if p.date >= 0.8:
        return 3.0 if header else 5.0
    if header and p.num >= 0.9 and p.intlike >= 0.99:
        return 0.0  # maybe Excel serial numbers
    return -4.0 if header else 0.0


def _adjust_number(role: str, p: _Profile, header: float) -> float:
    """Reward a column of numbers (amounts with decimals even unnamed), penalise the rest."""
    if p.date >= 0.5:
        return -7.0 if header else 0.0
    if not header:
        ok = role == "amount" and p.num >= 0.9 and p.decimals >= 0.2
        return 4.0 if ok else 0.0
    if p.num >= 0.8:
        return 2.0 if role != "quantity" or p.intlike >= 0.95 else 0.5
    # a few bad cells are rejected later; a column of mostly non-numbers is not a number
    return 0.0 if p.num >= 0.5 else -7.0


def _adjust_customer(role: str, p: _Profile, header: float) -> float:
    """Reward repeating short ids; never a column of dates, amounts or one value."""
    if p.date >= 0.8 or (p.num >= 0.8 and p.decimals > 0.2):
        return -8.0 if header else 0.0
    if not header:
        ok = (
            p.uniq < 0.9
            and p.distinct >= 5
            and p.avglen <= 40
            and p.spaces < 0.5
            and p.num < 0.99
            and p.fill >= 0.5
        )
        return 4.0 if ok else 0.0
    if p.distinct == 1 and p.uniq <= 0.25:
        return -9.0  # one value on every row (the shop's own account) is nobody's id
    return 1.0 if p.uniq < 0.95 else 0.0


def _adjust_order(role: str, p: _Profile, header: float) -> float:
    """Never take a column of dates or amounts as the order number."""
    if p.date >= 0.8 or (p.num >= 0.8 and p.decimals > 0.2):
        return -8.0 if header else 0.0
    return 0.0


def _adjust_product(role: str, p: _Profile, header: float) -> float:
    """Reward a named product column of descriptive text."""
    if p.num >= 0.9 and p.alpha < 0.1 and not header:
        return 0.0
    return (1.0 if p.alpha >= 0.5 and p.spaces >= 0.3 else 0.0) if header else 0.0


def _adjust_label(role: str, p: _Profile, header: float) -> float:
    """Penalise a named category, channel or country column of numbers."""
    return -5.0 if header and p.num >= 0.8 else 0.0


def _adjust_scale(role: str, p: _Profile, header: float) -> float:
    """Reward whole numbers on the role's scale (an unnamed 0-10 column may be the score)."""
    share = {"score": p.in010, "csat": p.in15, "ces": p.in17}[role]
    if not header:
        return 4.5 if (role == "score" and share >= 0.95) else 0.0
    # dirty data has a few out-of-scale cells (they are rejected later), so only a
    # column mostly off the scale is penalised
    return 3.0 if share >= 0.95 else (0.0 if share >= 0.6 else -6.0)


def _adjust_comment(role: str, p: _Profile, header: float) -> float:
    """Reward long free text, penalise numbers."""
    if p.num >= 0.8:
        return -6.0 if header else 0.0
    if p.alpha >= 0.8 and p.avglen >= 20 and p.spaces >= 0.5:
        return 2.0 if header else 4.0
    return 0.0


_ADJUST = {
    "order_date": _adjust_date,
    "response_date": _adjust_date,
    "amount": _adjust_number,
    "unit_price": _adjust_number,
    "quantity": _adjust_number,
    "customer_id": _adjust_customer,
    "order_id": _adjust_order,
    "product": _adjust_product,
    "category": _adjust_label,
    "channel": _adjust_label,
    "country": _adjust_label,
    "score": _adjust_scale,
    "csat": _adjust_scale,
    "ces": _adjust_scale,
    "comment": _adjust_comment,
}


_THRESHOLD = 4.0


def detect_columns(raw: pd.DataFrame, kind: str) -> dict[str, str]:
    """Guess which column plays which role, from header names and cell contents.

    Parameters
    ----------
    raw : pd.DataFrame
        A table as returned by :func:`read_table` (text cells).
    kind : {"transactions", "responses"}
        Which roles to look for (:data:`TRANSACTION_ROLES` or :data:`RESPONSE_ROLES`).

    Returns
    -------
    dict[str, str]
        Role -> column name, in canonical role order. Roles not found are absent; each column
        plays at most one role.

    Notes
    -----
    Header names are normalised (camelCase/snake_case/punctuation split into lower-case
    words, currency symbols and codes dropped: "Total (€)" -> "total", "InvoiceNo" ->
    "invoice no") and scored against each role's words and synonyms, with penalties for words
    that point elsewhere ("Order date" is a date, not an order id). The cells then confirm or
    break ties (a column of dates, of numbers, of repeating ids, of whole numbers 0-10, of
    long free text), and let a column whose name says nothing be used for a required role.
    The best (score, role, column) pairs are taken greedily. For transactions, when there is
    no amount column but a price and no quantity, the price is used as the amount. A column
    empty on every row is chosen only for a role no other column fits. Header
    words in German, French, Spanish, Italian, Dutch, Portuguese, Polish and the Nordic
    languages count as their English meaning ("Bestellnummer" -> "order number"). A known
    export (Shopify, Stripe, Qualtrics, ...; see :mod:`analysis.ingest.profiles`) gets its
    own columns.
    """
    if kind not in ("transactions", "responses"):
        raise ValueError(f"kind must be 'transactions' or 'responses', not {kind!r}")
    known = _profiles.detect_known(raw, kind)
    if known is not None:
        return known  # a known export (Shopify, Stripe, Qualtrics...): its own columns
    roles = TRANSACTION_ROLES if kind == "transactions" else RESPONSE_ROLES
    content_roles = (
        {"customer_id", "order_date", "amount"}
        if kind == "transactions"
        else {"score", "response_date", "comment"}
    )
    cols = list(raw.columns)
    profiles = {c: _profile(raw[c]) for c in cols}
    triples = []
    for ci, c in enumerate(cols):
        norm = _profiles.translate_header(_normalise_header(c))
        heads = {role: _header_score(role, norm) for role in roles}
        says_something = any(h > 0 for h in heads.values())
        for ri, role in enumerate(roles):
            h = heads[role]
            # a column may be taken on its cells alone only if its name means nothing to us
            if h <= 0 and (role not in content_roles or says_something):
                continue
            score = h + _content_adjust(role, profiles[c], h)
            if score >= _THRESHOLD:
                triples.append((-score, ri, ci, role, c))
    triples.sort()
    empty = {c for c in cols if profiles[c].fill == 0}
    mapping: dict[str, str] = {}
    _assign(mapping, [t for t in triples if t[4] not in empty])
    if kind == "transactions" and "amount" not in mapping and "unit_price" in mapping:
        if "quantity" not in mapping:
            mapping["amount"] = mapping.pop("unit_price")
    # an empty column only for a role no other column fits (prepare's doubts then name it)
    _assign(mapping, [t for t in triples if t[4] in empty])
    return {r: mapping[r] for r in roles if r in mapping}


def _assign(mapping: dict[str, str], triples: list[tuple]) -> None:
    """Give each free role its best free column, best scores first (greedy)."""
    used = set(mapping.values())
    for _neg, _ri, _ci, role, c in triples:
        if role in mapping or c in used:
            continue
        mapping[role] = c
        used.add(c)
