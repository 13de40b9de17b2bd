"""``prepare_responses``: a raw survey-responses table into the canonical responses table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.core.text import plural
from analysis.ingest import profiles as _profiles
from analysis.ingest.cells import _as_text, _short
from analysis.ingest.header_words import _normalise_header
from analysis.ingest.parsing import _parse_numbers
from analysis.ingest.preparing import (
    _ROLE_WORDS,
    Prepared,
    _Draft,
    _finalise,
    _hand_mapping_note,
    _prepared,
    _require,
    _resolve_mapping,
    _select_reasons,
    _text_role,
)

_LEADING_SCORE_RE = r"^\s*(\d{1,2}(?:[.,]\d+)?)\s*(?:[-\u2013\u2014:=(/]|[^\W\d_]).*$"
_TRAILING_SCORE_RE = r"^.*?[^\W\d_].*?(?:\s|[-\u2013\u2014:=(/])\s*(\d{1,2})\s*\)?\s*$"

SCALE_WORDS: dict[str, dict[str, int]] = {
    "score": {
        "not at all likely": 0,
        "extremely unlikely": 0,
        "extremely likely": 10,
    },
    "satisfaction score": {
        "very dissatisfied": 1,
        "very unsatisfied": 1,
        "extremely dissatisfied": 1,
        "dissatisfied": 2,
        "unsatisfied": 2,
        "somewhat dissatisfied": 2,
        "neutral": 3,
        "neither satisfied nor dissatisfied": 3,
        "neither satisfied or dissatisfied": 3,
        "satisfied": 4,
        "somewhat satisfied": 4,
        "very satisfied": 5,
        "extremely satisfied": 5,
    },
    "effort score": {
        "very difficult": 1,
        "extremely difficult": 1,
        "difficult": 2,
        "somewhat difficult": 3,
        "neither easy nor difficult": 4,
        "neutral": 4,
        "somewhat easy": 5,
        "easy": 6,
        "very easy": 7,
        "extremely easy": 7,
        "strongly disagree": 1,
        "disagree": 2,
        "somewhat disagree": 3,
        "neither agree nor disagree": 4,
        "somewhat agree": 5,
        "agree": 6,
        "strongly agree": 7,
    },
}
"""Answer labels read as their number on each scale (compared trimmed, case-insensitively):
NPS 0-10 (only its end labels have words), satisfaction 1-5 (5 = very satisfied), effort 1-7
(7 = very easy, or strongly agree that it was easy)."""


def _scale(
    raw: pd.DataFrame, col: str, lo: int, hi: int, label: str
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, str]]]:
    """Whole numbers on a lo..hi scale: (values, empty mask, rejection checks).

    A cell like "10 - Extremely likely" or "4 (Satisfied)" is read as its leading number, one
    like "Not at all likely - 0" as its trailing number, and an answer label of
    :data:`SCALE_WORDS` ("Very satisfied") as its number.
    """
    p = _parse_numbers(raw[col])
    values = p.values.copy()
    bad = p.bad.copy()
    for pattern in (_LEADING_SCORE_RE, _TRAILING_SCORE_RE):
        if not bad.any():
            break
        idx = np.flatnonzero(bad)
        txt = _as_text(raw[col]).iloc[idx].str.extract(pattern)[0]
        lead = _parse_numbers(txt.fillna("")).values
        ok = ~np.isnan(lead)
        values[idx[ok]] = lead[ok]
        bad[idx[ok]] = False
    words = SCALE_WORDS.get(label)
    if words and bad.any():
        idx = np.flatnonzero(bad)
        txt = _as_text(raw[col]).iloc[idx].str.strip().str.casefold()
        num = txt.map(words).to_numpy(dtype=np.float64, na_value=np.nan)
        ok = ~np.isnan(num)
        values[idx[ok]] = num[ok]
        bad[idx[ok]] = False
    isnum = ~np.isnan(values)
    not_whole = isnum & (np.mod(np.where(isnum, values, 0), 1) != 0)
    outside = isnum & ~not_whole & ((values < lo) | (values > hi))
    checks = [
        (bad, f"unparseable {label}"),
        (not_whole, f"{label} not a whole number"),
        (outside, f"{label} outside {lo}-{hi}"),
    ]
    return values, p.empty, checks


_RESPONSE_STATUS_HEADERS = frozenset(
    {"status", "response status", "response type", "distribution channel", "type"}
)
_RESPONSE_DONE_HEADERS = frozenset({"finished", "complete", "completed", "is complete"})
_RESPONSE_LEFT_OUT = {
    "survey preview": "preview response",
    "preview": "preview response",
    "test": "test response",
    "survey test": "test response",
    "test response": "test response",
    "partial": "unfinished response",
    "incomplete": "unfinished response",
    "unfinished": "unfinished response",
}
_NOT_DONE = frozenset({"false", "no", "0", "n", "f"})


def _left_out_responses(raw: pd.DataFrame, mapping: dict[str, str]) -> list:
    """Return the rejection checks for test, preview and unfinished responses.

    Read from a status column ("Survey Preview", "Test", "Partial") or a finished column
    ("False", "No", "0").
    """
    mapped = set(mapping.values())
    found: dict[str, np.ndarray] = {}
    for c in raw.columns:
        if c in mapped:
            continue
        norm = _normalise_header(c)
        if norm not in _RESPONSE_STATUS_HEADERS and norm not in _RESPONSE_DONE_HEADERS:
            continue
        t = _as_text(raw[c]).str.strip().str.casefold()
        if norm in _RESPONSE_DONE_HEADERS:
            hit = t.isin(_NOT_DONE).to_numpy(bool)
            if hit.any():
                found["unfinished response"] = found.get("unfinished response", hit) | hit
            continue
        labels = t.map(_RESPONSE_LEFT_OUT)
        for why in ("preview response", "test response", "unfinished response"):
            hit = (labels == why).to_numpy(dtype=bool, na_value=False)
            if hit.any():
                found[why] = found.get(why, hit) | hit
    return [(m, why) for why, m in found.items()]


def prepare_responses(
    raw: pd.DataFrame, mapping: dict[str, str] | None = None, *, dayfirst: bool | None = None
) -> Prepared:
    """Turn a raw survey-responses table into the canonical responses table.

    Parameters
    ----------
    raw : pd.DataFrame
        Text table from :func:`read_table`.
    mapping : dict[str, str], optional
        Role -> column; ``None`` means :func:`detect_columns`. ``score`` is required;
        ``response_date`` is required whenever the file has a date column (detection finds
        it); a file with no date column at all is accepted, with ``response_date`` all NaT
        and a warning.
    dayfirst : bool, optional
        As in :func:`prepare_transactions`.

    Returns
    -------
    Prepared
        ``data`` (RangeIndex) columns: ``response_date`` (datetime64[ns]), ``score`` (int64,
        0-10), then when mapped ``customer_id`` (str, missing when blank), ``comment`` (str,
        "" when blank), ``csat`` (Int64 1-5, <NA> when blank), ``ces`` (Int64 1-7, <NA> when
        blank), then the other columns as str (breakdown attributes). Scales are read from
        numbers, "10 - Extremely likely", "Not at all likely - 0" and answer labels
        (:data:`SCALE_WORDS`: "Very satisfied" is 5). A score that is not a whole number or is
        outside 0-10 rejects the row (never clipped); a csat or ces that cannot be read, is
        not whole or is outside its scale is left blank with a warning, and the response is
        kept. Reasons (first that applies): "preview response", "test response", "unfinished
        response" (from an unmapped status, type or finished column: "Survey Preview",
        "Test", "Partial", finished "False"), "missing date", "unparseable date", "missing
        score", "unparseable score", "score not a whole number", "score outside 0-10". ``report``
        keys: rows_read, rows_used, rows_rejected, rejected_by_reason, date_min, date_max,
        responses, respondents (distinct customer ids, None without that column),
        duplicate_lines, future_dates, number_format, date_format, dayfirst_assumed.
    """
    known = _profiles.prepare_known_export(raw, "responses", mapping, dayfirst=dayfirst)
    if known is not None:
        return known
    lead = _hand_mapping_note(raw, mapping, "responses")
    mapping = _resolve_mapping(raw, mapping, "responses")
    _require(raw, [] if "score" in mapping else [_ROLE_WORDS["score"]], "the score column")
    draft = _Draft(raw, mapping, lead)
    date_values, checks = _response_dates(draft, dayfirst)
    score, score_empty, score_checks = _scale(raw, mapping["score"], 0, 10, "score")
    draft.number_format[mapping["score"]] = "whole numbers 0-10"
    checks += [(score_empty, "missing score"), *score_checks]
    scales, dropped = _optional_scales(draft)
    draft.reason = reason = _select_reasons(len(raw), _left_out_responses(raw, mapping) + checks)
    _dropped_notes(draft, dropped, reason == "")
    canonical: dict[str, Any] = {
        "response_date": date_values,
        "score": np.where(np.isnan(score), 0, score).astype(np.int64),
    }
    if "customer_id" in mapping:
        canonical["customer_id"] = _text_role(raw, mapping["customer_id"])
    if "comment" in mapping:
        canonical["comment"] = _as_text(raw[mapping["comment"]]).str.strip()
    for role, v in scales.items():
        nan = np.isnan(v)
        canonical[role] = pd.arrays.IntegerArray(np.where(nan, 0, v).astype(np.int64), nan)
    data, rejected = _finalise(raw, reason, canonical, mapping)
    counts = {
        "responses": len(data),
        "respondents": int(data["customer_id"].nunique()) if "customer_id" in data else None,
    }
    return _prepared(draft, data, rejected, what="response", counts=counts)


def _response_dates(
    draft: _Draft, dayfirst: bool | None
) -> tuple[np.ndarray, list[tuple[np.ndarray, str]]]:
    """Return the response dates (all NaT without a date column) and the checks of their cells."""
    if "response_date" not in draft.mapping:
        draft.notes.append(
            "The file has no date column, so the responses cannot be shown over time."
        )
        return np.full(len(draft.raw), np.datetime64("NaT"), dtype="datetime64[ns]"), []
    dates = draft.read_dates(draft.mapping["response_date"], dayfirst)
    return dates.values, [(dates.empty, "missing date"), (dates.bad, "unparseable date")]


_OPTIONAL_SCALES = (("csat", 1, 5, "satisfaction score"), ("ces", 1, 7, "effort score"))


def _optional_scales(draft: _Draft) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Read the satisfaction and effort scores: values (NaN when dropped) and dropped cells."""
    scales: dict[str, np.ndarray] = {}
    dropped: dict[str, np.ndarray] = {}
    for role, lo, hi, label in _OPTIONAL_SCALES:
        if role in draft.mapping:
            vals, _empty, more = _scale(draft.raw, draft.mapping[role], lo, hi, label)
            drop = np.zeros(len(draft.raw), dtype=bool)
            for mask, _label in more:
                drop |= mask
            scales[role] = np.where(drop, np.nan, vals)
            dropped[role] = drop
            draft.number_format[draft.mapping[role]] = f"whole numbers {lo}-{hi}"
    return scales, dropped


def _dropped_notes(draft: _Draft, dropped: dict[str, np.ndarray], used: np.ndarray) -> None:
    """Note the optional scores left blank in kept responses (with an example)."""
    for role, drop in dropped.items():
        k = int((drop & used).sum())
        if k:
            col = draft.mapping[role]
            cells = _as_text(draft.raw[col]).to_numpy()
            first = _short(str(cells[np.flatnonzero(drop & used)[0]]))
            scale = {"csat": "satisfaction score 1-5", "ces": "effort score 1-7"}[role]
            draft.notes.append(
                f"{plural(k, 'value')} in '{col}' could not be read as a {scale} (for example "
                f"'{first}') and {'was' if k == 1 else 'were'} left blank; "
                f"{'its response is' if k == 1 else 'the responses are'} kept."
            )
