"""'Share this view': a link that reopens the same page with the same settings, never the data.

Every setting widget on the pages is bound to the URL's query parameters
(``bind="query-params"``), so the address bar always describes the view. The link shown here is
that address. When the view was made from the visitor's own upload, the link carries
``data=upload`` so that whoever opens it is asked to upload their file (the data itself never
leaves the session).

A link never carries anything from the visitor's file: only settings whose values come from a
fixed list (or are numbers and dates) are bound to the address, and the link keeps only the
parameters named in :data:`SHARED_SETTINGS`; anything else in the address (say a parameter an
older version bound to a column name) is left out. A widget whose options come from the data
(a column-name select, a product picker) must not be bound; ``tests/ui/test_share.py`` checks
every bound widget against this list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from ui.text import inert

UPLOAD_MARKER = ("data", "upload")

# Widget keys bound to the address (bind="query-params"); their values come from fixed lists,
# numbers or dates, never from the visitor's file.
SHARED_SETTINGS = frozenset(
    {
        "dataset",
        "overview_period",
        "overview_compare",
        "overview_start",
        "overview_end",
        "overview_nvr_value",
        "rfm_as_of",
        "rfm_bins",
        "rfm_compare",
        "rfm_segment",
        "rfm_kmeans",
        "cohorts_period",
        "cohorts_metric",
        "cohorts_kind",
        "cohorts_by",
        "cohorts_at",
        "value_months",
        "value_model",
        "value_discount",
        "value_churn_days",
        "value_time_unit",
        "value_forecast_measure",
        "value_top_share",
        "value_risk_threshold",
        "feedback_freq",
        "feedback_themes",
        "feedback_days",
        "feedback_followup_period",
        "patterns_level",
        "patterns_when_value",
        "patterns_rank",
        "patterns_rules_lift",
        "patterns_rules_confidence",
        "patterns_spend_by",
        "profile_segment",
    }
)
SHARED_PREFIXES = ("cohorts_range_",)  # one cohort range per period: cohorts_range_M, ...


def is_shared_setting(key: str) -> bool:
    """Whether the address parameter ``key`` may appear in a shared link."""
    return key in SHARED_SETTINGS or key.startswith(SHARED_PREFIXES)


def share_link(*, uploaded: bool) -> str:
    """Return the current page's address with its settings as query parameters.

    Only the settings of :data:`SHARED_SETTINGS`, plus ``data=upload`` when the view was made
    from an upload.
    """
    base = st.context.url or ""
    params = {k: st.query_params.get_all(k) for k in st.query_params if is_shared_setting(k)}
    if uploaded:
        params[UPLOAD_MARKER[0]] = [UPLOAD_MARKER[1]]
    query = urlencode(params, doseq=True)
    return f"{base}?{query}" if query else base


def share_control(*, uploaded: bool) -> None:
    """Sidebar popover with the link and what it does and does not contain."""
    with st.popover("Share this view", icon=":material/share:", width="stretch"):
        st.code(share_link(uploaded=uploaded), language=None, wrap_lines=True)
        st.caption(
            "This link opens this page with the same settings: example dataset, period, "
            "bins, metric, breakdown, horizon and filters. It never contains any data."
            + (
                " You are looking at your own file, so whoever opens the link is asked to "
                "upload their copy of it first."
                if uploaded
                else ""
            )
        )


def shared_from_upload() -> bool:
    """Whether this visit came from a link shared by someone who used their own file."""
    return st.query_params.get(UPLOAD_MARKER[0]) == UPLOAD_MARKER[1]


def upload_gate() -> None:
    """Stop the page on an "upload your copy of the file" screen when that is needed.

    That is when the link came from an upload and this visitor has not uploaded anything yet.

    Called by :func:`ui.data.current_dataset` before it falls back to an example, so a link made
    from someone's own file never opens on another dataset's figures. The visitor can upload
    the file in the sidebar, or drop ``data=upload`` from the address to see the examples.
    """
    if not shared_from_upload():
        return
    st.title("Upload your copy of the file to see this view")
    st.info(
        "This link was made from someone's own file, and files are never put in links. "
        "Upload your copy of it under **Use your own data** in the sidebar: this page then "
        "opens with the same settings.",
        icon=":material/upload_file:",
    )
    if st.button("Look at the example datasets instead", key="share_leave_upload_link"):
        del st.query_params[UPLOAD_MARKER[0]]
        st.rerun()
    st.stop()


_SEEDED = "_share_seeded_from_link"
_NOT_UNDERSTOOD = "_share_not_understood"


def choice_from_link(param: str, labels: Mapping[str, str], default: str) -> None:
    """Seed the select box keyed ``param`` from the address, once per session.

    The address carries the option's short key (``?dataset=retail``); an option's label (what
    Streamlit's own binding wrote in older links, ``?dataset=Online+Retail+(UCI,+real)``) is read
    too, ignoring case. Anything else is remembered for :func:`link_warnings`, which names it,
    and the widget keeps ``default``. Call before the widget is drawn, and
    :func:`choice_to_link` after it.
    """
    seeded = st.session_state.setdefault(_SEEDED, set())
    if param in seeded:
        return
    seeded.add(param)
    raw = st.query_params.get(param)
    if raw is None:
        return
    by_label = {str(label).strip().casefold(): key for key, label in labels.items()}
    key = raw if raw in labels else by_label.get(raw.strip().casefold())
    if key is None:
        st.session_state.setdefault(_NOT_UNDERSTOOD, {})[param] = (
            f"The link asks for {param} = “{inert(raw)}”, which this app does not know "
            f"(it knows {', '.join(labels)}). Showing {inert(labels[default])} instead."
        )
        return
    st.session_state[param] = key


def choice_to_link(param: str, value: str | None, default: str) -> None:
    """Write the select box's short key into the address (removed when it is ``default``)."""
    if value is None or value == default:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value:
        st.query_params[param] = value


def forget_link_warning(param: str) -> None:
    """Drop the warning about ``param`` (the visitor has chosen a value themselves)."""
    st.session_state.get(_NOT_UNDERSTOOD, {}).pop(param, None)


def link_warnings() -> None:
    """Say, with a visible warning, which values in the link were not understood."""
    for message in st.session_state.get(_NOT_UNDERSTOOD, {}).values():
        st.warning(message, icon=":material/link_off:")


_LINK_VALUES = "_share_link_values"
_SLUG = re.compile(r"[^0-9a-z]+")


def link_key(option: object) -> str:
    """Return an option's short, stable key in links: ``"90d"``, ``"need_attention"``, ``"none"``.

    Lower case, letters, digits and ``_`` only (never a display label with spaces).
    """
    if option is None:
        return "none"
    return _SLUG.sub("_", str(option).casefold()).strip("_") or "_"


def _arrived(param: str) -> str | None:
    """Return the value the link brought for ``param`` (in the address now, or at the start)."""
    raw = st.query_params.get(param)
    if raw is None:
        arrival = (st.session_state.get(_LINK_VALUES) or {}).get(param) or []
        raw = arrival[0] if arrival else None
    return raw


def _option_from_link(param: str, keys: dict, labels: dict, default: object) -> object:
    """Return the option the link names for ``param`` (by key or label), else ``default``.

    A value that names no option is said once in the sidebar (and by :func:`link_warnings`
    until the visitor picks a value).
    """
    raw = _arrived(param)
    if raw is None:
        return default
    text = raw.strip().casefold()
    by_label = {str(label).strip().casefold(): key for key, label in labels.items()}
    key = text if text in keys else by_label.get(text, link_key(raw))
    if key in keys:
        return keys[key]
    message = (
        f"The link asks for {param} = “{inert(raw)}”, which this page does not know (it "
        f"knows {', '.join(keys)}). Showing {inert(labels[link_key(default)])} instead."
    )
    said = st.session_state.setdefault(_NOT_UNDERSTOOD, {})
    if param not in said:
        st.sidebar.warning(message, icon=":material/link_off:")
    said[param] = message
    return default


def linked(
    widget: Callable[..., Any],
    label: str,
    *,
    options: Sequence,
    key: str,
    default: object,
    format_func: Callable[[Any], str] = str,
    **kwargs: Any,
) -> Any:
    """Draw a choice widget whose setting travels in links by its option's short key.

    Streamlit's ``bind="query-params"`` writes the option's display label into the address
    (``?overview_period=Last+90+days``); this writes :func:`link_key` of the option instead
    (``?overview_period=90d``), still reads a label from older links, and says which value
    of a link it did not understand.

    Parameters
    ----------
    widget : callable
        ``st.selectbox``, ``st.segmented_control``, ``st.radio``, ``st.select_slider`` or
        the same method of a column or container.
    label : str
        The widget's label.
    options : sequence
        The options (fixed lists only: never values from the visitor's file).
    key : str
        The widget key, also the address parameter (listed in :data:`SHARED_SETTINGS`).
    default : object
        The option shown when the link names none (left out of the address).
    format_func : callable
        Display label of an option.
    **kwargs
        Passed on to ``widget`` (``help``, ``wrap``, ``on_change``...).

    Returns
    -------
    object
        The widget's value.
    """
    keys = {}
    for option in options:
        keys.setdefault(link_key(option), option)
    labels = {k: format_func(o) for k, o in keys.items()}
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = _option_from_link(key, keys, labels, default)
    value = widget(label, options=options, format_func=format_func, key=key, **kwargs)
    if value is not None and value != default:
        st.session_state.get(_NOT_UNDERSTOOD, {}).pop(key, None)  # the visitor chose
    if value is None or value == default:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != link_key(value):
        st.query_params[key] = link_key(value)
    return value


def remember_link_values() -> None:
    """Note, on a session's first run, the settings its address arrived with.

    :func:`name_values_not_understood` (after the page ran) compares them with what the page's
    widgets made of them. The dataset is checked by :func:`choice_from_link` instead.
    """
    if _LINK_VALUES in st.session_state:
        return
    st.session_state[_LINK_VALUES] = {
        k: st.query_params.get_all(k)
        for k in st.query_params
        if is_shared_setting(k) and k != "dataset"
    }


def _same(url_values: list[str], serialized: object) -> bool:
    """Whether the address's values are the widget's serialized value (numbers by value)."""
    ours = serialized if isinstance(serialized, list) else [serialized]
    if len(ours) != len(url_values):
        return False
    for a, b in zip(url_values, ours, strict=True):
        if str(a) == str(b):
            continue
        try:
            if float(a) != float(b):  # type: ignore[arg-type]
                return False
        except (TypeError, ValueError):
            return False
    return True


def _default_serialized(param: str) -> object:
    """Return the serialized default of the widget bound to ``param`` on this run.

    Read from Streamlit internals; raises LookupError when they cannot be read.
    """
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        raise LookupError(param)
    with ctx.session_state.query_params() as qp:
        binding = qp._bindings_by_param.get(param)
    if binding is None:
        raise LookupError(param)
    state = ctx.session_state._state
    metadata = state._new_widget_state.widget_metadata.get(binding.widget_id)
    if metadata is None:
        raise LookupError(param)
    return metadata.serializer(metadata.deserializer(None))


def name_values_not_understood() -> None:
    """Name, after the page ran, each setting of the arrival address the page dropped.

    A sidebar warning names each setting whose widget dropped it without it being the
    widget's default value.

    Streamlit ignores a bound widget's value it cannot use (an option not in the list, a
    malformed date) and removes it from the address; this says so instead of letting the view
    silently differ from the one that was shared. A setting whose widget is not on this page
    waits for the page that has it.
    """
    pending: dict[str, list[str]] = st.session_state.get(_LINK_VALUES) or {}
    for param in list(pending):
        if param not in st.session_state:  # its widget is not on this page
            continue
        values = pending.pop(param)
        if param in st.query_params:
            continue  # used as given
        try:
            if _same(values, _default_serialized(param)):
                continue  # the default, which Streamlit leaves out of addresses
        except (LookupError, AttributeError, TypeError, ValueError):
            continue  # cannot tell: say nothing rather than something wrong
        st.sidebar.warning(
            f"The link asks for {param} = “{inert(', '.join(values))}”, which this page does "
            "not know: it shows its usual setting instead.",
            icon=":material/link_off:",
        )
