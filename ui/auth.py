"""Access control for hosted deployments: off unless configured in ``.streamlit/secrets.toml``.

Two ways, checked in this order:

1. **Sign in with an identity provider** (Streamlit's built-in OpenID Connect, ``st.login``):
   configure an ``[auth]`` section (see ``.streamlit/secrets.example-oidc.toml``).
2. **A shared password** for a small team without an identity provider: ``[access]`` with
   ``password = "..."`` (see ``.streamlit/secrets.example-password.toml``). The typed password is
   compared in constant time (``hmac.compare_digest`` over sha256 digests).

Without either section the app is open, as when you run it on your own computer.
"""

from __future__ import annotations

import hashlib
import hmac

import streamlit as st

_OK_KEY = "_access_granted"


def _secrets() -> dict:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except (FileNotFoundError, KeyError, Exception):  # no secrets file: access control off
        return {}


def mode() -> str | None:
    """``"oidc"``, ``"password"`` or ``None`` (open), from the secrets."""
    secrets = _secrets()
    if "auth" in secrets:
        return "oidc"
    access = secrets.get("access")
    if access is not None and str(access.get("password", "")):
        return "password"
    return None


def password_matches(typed: str, expected: str) -> bool:
    """Compare two passwords in constant time (over fixed-length sha256 digests)."""
    a = hashlib.sha256(typed.encode("utf-8")).digest()
    b = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(a, b)


def is_authorised() -> bool:
    """Whether this session may see the app."""
    current = mode()
    if current is None:
        return True
    if current == "oidc":
        return bool(getattr(st.user, "is_logged_in", False))
    return st.session_state.get(_OK_KEY) is True


def _check_password() -> None:
    expected = str(_secrets()["access"]["password"])
    typed = st.session_state.get("access_password", "")
    if password_matches(typed, expected):
        st.session_state[_OK_KEY] = True
        st.session_state["_access_error"] = False
    else:
        st.session_state["_access_error"] = True
    st.session_state["access_password"] = ""


def login_page() -> None:
    """The only page a visitor sees before signing in."""
    st.title("Customer Focus")
    if mode() == "oidc":
        st.write("This workspace is private. Sign in to continue.")
        st.button("Sign in", type="primary", on_click=st.login, icon=":material/login:")
        return
    st.write("This workspace is private. Enter the team password to continue.")
    with st.form("access_form"):
        st.text_input("Password", type="password", key="access_password")
        st.form_submit_button("Continue", type="primary", on_click=_check_password)
    if st.session_state.get("_access_error"):
        st.error("That password is not right. Ask the colleague who shared the link.")


def sign_out_button() -> None:
    """A sign-out control for the sidebar, when access control is on."""
    current = mode()
    if current == "oidc":
        name = getattr(st.user, "name", None) or getattr(st.user, "email", None) or ""
        st.caption(f"Signed in {('as ' + str(name)) if name else ''}")
        st.button("Sign out", on_click=st.logout, key="sign_out")
    elif current == "password":
        st.button("Sign out", on_click=lambda: st.session_state.pop(_OK_KEY, None), key="sign_out")
