"""Access control for hosted deployments: off unless configured in ``.streamlit/secrets.toml``.

Two ways, checked in this order:

1. **Sign in with an identity provider** (Streamlit's built-in OpenID Connect, ``st.login``):
   configure an ``[auth]`` section (see ``.streamlit/secrets.example-oidc.toml``).
2. **A shared password** for a small team without an identity provider: ``[access]`` with
   ``password = "..."`` (see ``.streamlit/secrets.example-password.toml``). The typed password is
   compared in constant time (``hmac.compare_digest`` over sha256 digests).

Without either section the app is open, as when you run it on your own computer.

What holds when access control is on:

- **Wrong passwords slow down, then lock out** (:class:`Throttle`): counted per visitor (their
  browser session) and per network address, process-wide. From the 4th wrong password in 15
  minutes the next try must wait 1, 2, 4 ... up to 60 seconds (tries made earlier are refused
  without being checked); after 10 wrong passwords that visitor or address is locked out for 5
  minutes, the right password included.
- **Signing out forgets everything**: the session's state (uploads, prepared tables, settings)
  and its uploaded files are dropped, not just the "signed in" flag.
- **Download addresses cannot be guessed**: Streamlit serves a download at ``/media/<id>``
  where the id is a hash of the file's bytes, type and name, and it does not ask who is asking.
  :func:`private_file_name` adds a random per-session token to every download's file name, so
  the address cannot be computed from contents someone knows (e.g. an export of an example).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui.text import inert

_OK_KEY = "_access_granted"
_TOKEN_KEY = "_download_token"


def _secrets() -> dict:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except FileNotFoundError:  # no secrets file (StreamlitSecretNotFoundError): access control off
        return {}


def mode() -> str | None:
    """``"oidc"``, ``"password"`` or ``None`` (open), from the secrets."""
    secrets_ = _secrets()
    if "auth" in secrets_:
        return "oidc"
    access = secrets_.get("access")
    if access is not None and str(access.get("password", "")):
        return "password"
    return None


def password_matches(typed: str, expected: str) -> bool:
    """Compare two passwords in constant time (over fixed-length sha256 digests)."""
    a = hashlib.sha256(typed.encode("utf-8")).digest()
    b = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(a, b)


# ---------------------------------------------------------------------------- throttling


@dataclass
class _Record:
    failures: int = 0
    first: float = 0.0  # time of the first counted failure (seconds, monotonic clock)
    blocked_until: float = 0.0


class Throttle:
    """Process-wide counts of wrong passwords per key, with slow-down and a short lockout.

    Thread-safe (one lock) and bounded: at most ``max_keys`` keys are remembered, the least
    recently failed are forgotten first, and a key's count expires ``window`` seconds after its
    first failure.

    Parameters
    ----------
    free : int
        Wrong passwords allowed without delay (within the window).
    max_delay : float
        Longest wait between tries before the lockout, in seconds (the wait doubles from 1 s).
    lock_after : int
        Wrong passwords after which the key is locked out for ``lockout`` seconds.
    lockout, window : float
        Seconds.
    clock : callable
        Time source in seconds (``time.monotonic``; tests pass their own).
    """

    def __init__(
        self,
        *,
        free: int = 3,
        max_delay: float = 60.0,
        lock_after: int = 10,
        lockout: float = 300.0,
        window: float = 900.0,
        max_keys: int = 10_000,
        clock=time.monotonic,
    ) -> None:
        self.free, self.max_delay, self.lock_after = free, max_delay, lock_after
        self.lockout, self.window, self.max_keys = lockout, window, max_keys
        self.clock = clock
        self._lock = threading.Lock()
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def _get(self, key: str, now: float) -> _Record | None:
        record = self._records.get(key)
        if record is not None and now - record.first > self.window and now >= record.blocked_until:
            del self._records[key]
            return None
        return record

    def wait(self, keys: list[str]) -> float:
        """Seconds until any of ``keys`` may try again (0 when a try is allowed now)."""
        with self._lock:
            now = self.clock()
            waits = [r.blocked_until - now for k in keys if (r := self._get(k, now)) is not None]
        return max([0.0, *waits])

    def failed(self, keys: list[str]) -> None:
        """Count one wrong password for each of ``keys``."""
        with self._lock:
            now = self.clock()
            for key in keys:
                record = self._get(key, now) or _Record(first=now)
                record.failures += 1
                if record.failures >= self.lock_after:
                    delay = self.lockout
                elif record.failures > self.free:
                    delay = min(self.max_delay, 2.0 ** min(record.failures - self.free - 1, 30))
                else:
                    delay = 0.0
                record.blocked_until = now + delay
                self._records[key] = record
                self._records.move_to_end(key)
            while len(self._records) > self.max_keys:
                self._records.popitem(last=False)

    def succeeded(self, keys: list[str]) -> None:
        """Forget the counts of ``keys`` (after the right password)."""
        with self._lock:
            for key in keys:
                self._records.pop(key, None)

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._records.clear()


THROTTLE = Throttle()


def _client_address() -> str:
    """Return the visitor's network address as Streamlit sees it ("local" on this computer).

    Behind a reverse proxy this is the proxy's address unless the proxy is the only way in and
    forwards the client's: ``X-Forwarded-For``'s last entry (the one the proxy added) is used
    when Streamlit has no address of its own.
    """
    try:
        address = st.context.ip_address
    except RuntimeError:  # a script run without a server (AppTest): "Runtime hasn't been created"
        address = None
    if not address:
        try:
            forwarded = st.context.headers.get("X-Forwarded-For", "")
        except RuntimeError:  # the same, without a server
            forwarded = ""
        address = forwarded.split(",")[-1].strip() if forwarded else ""
    return address or "local"


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def _throttle_keys() -> list[str]:
    return [f"session:{_session_id()}", f"address:{_client_address()}"]


def _wait_words(seconds: float) -> str:
    seconds = int(seconds + 0.999)
    if seconds >= 90:
        return f"{(seconds + 59) // 60} minutes"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


# ---------------------------------------------------------------------------- sign in / out


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
    st.session_state["access_password"] = ""
    keys = _throttle_keys()
    wait = THROTTLE.wait(keys)
    if wait > 0:
        # Not even checked: a guess made too soon costs a try without telling anything.
        st.session_state["_access_error"] = "wait"
        st.session_state["_access_wait"] = wait
        return
    if password_matches(typed, expected):
        THROTTLE.succeeded(keys[:1])
        st.session_state[_OK_KEY] = True
        st.session_state["_access_error"] = False
    else:
        THROTTLE.failed(keys)
        st.session_state["_access_error"] = "wrong"
        st.session_state["_access_wait"] = THROTTLE.wait(keys)


def login_page() -> None:
    """Show the only page a visitor sees before signing in."""
    st.title("Customer Focus")
    if mode() == "oidc":
        st.write("This workspace is private. Sign in to continue.")
        st.button("Sign in", type="primary", on_click=st.login, icon=":material/login:")
        return
    st.write("This workspace is private. Enter the team password to continue.")
    with st.form("access_form"):
        st.text_input("Password", type="password", key="access_password")
        st.form_submit_button("Continue", type="primary", on_click=_check_password)
    error = st.session_state.get("_access_error")
    wait = float(st.session_state.get("_access_wait", 0.0) or 0.0)
    if error == "wrong":
        st.error("That password is not right. Ask the colleague who shared the link.")
    elif error == "wait":
        st.error("Too many wrong passwords. That try was not checked.")
    if error and wait > 0:
        st.caption(f"Please wait {_wait_words(wait)} before the next try.")


def sign_out() -> None:
    """Forget this session: the sign-in, uploads, prepared tables and every setting.

    Used as the sign-out button's callback. With an identity provider the session's cookie is
    also removed (``st.logout``).
    """
    try:
        from streamlit.runtime import get_instance

        get_instance().uploaded_file_mgr.remove_session_files(_session_id())
    except RuntimeError:  # no server (bare mode, AppTest): no uploaded files to remove
        pass
    for key in list(st.session_state.keys()):
        try:
            del st.session_state[key]
        except (KeyError, StreamlitAPIException):  # gone already, or a key Streamlit refuses
            pass
    if mode() == "oidc":
        st.logout()


def sign_out_button() -> None:
    """Show a sign-out control in the sidebar, when access control is on."""
    current = mode()
    if current == "oidc":
        name = getattr(st.user, "name", None) or getattr(st.user, "email", None) or ""
        st.caption(f"Signed in {('as ' + inert(name)) if name else ''}")
        st.button("Sign out", on_click=sign_out, key="sign_out")
    elif current == "password":
        st.button("Sign out", on_click=sign_out, key="sign_out")


def private_file_name(file_name: str) -> str:
    """Return ``file_name`` with this session's random token before the extension.

    Only when access control is on (unchanged otherwise).

    Streamlit's download address is a hash of the file's bytes, type and *name*, served to
    anyone who asks; a 64-bit random token in the name makes it impossible to compute.
    """
    if mode() is None:
        return file_name
    token = st.session_state.get(_TOKEN_KEY)
    if not token:
        token = st.session_state[_TOKEN_KEY] = secrets.token_hex(8)
    stem, dot, ext = file_name.rpartition(".")
    return f"{stem}-{token}.{ext}" if dot and stem else f"{file_name}-{token}"
