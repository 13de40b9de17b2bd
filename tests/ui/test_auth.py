"""Access control: open by default, a shared password when configured."""

import re
import threading

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_utils import new_app, run_page, texts
from ui import auth
from ui.auth import password_matches


def test_open_by_default():
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "What to do now"


def test_password_gate():
    at = new_app()
    at.secrets["access"] = {"password": "correct horse"}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Customer Focus"
    assert not at.metric, "nothing of the data is shown before signing in"
    assert len(at.file_uploader) == 0

    at.text_input(key="access_password").input("wrong")
    at.button[0].click()
    at.run()
    assert any("not right" in e.value for e in at.error)
    assert not at.metric

    at.text_input(key="access_password").input("correct horse")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert at.title[0].value == "What to do now"
    assert at.metric


def test_password_matches_is_exact():
    assert password_matches("abc", "abc")
    assert not password_matches("abc", "abcd")
    assert not password_matches("", "abc")


def test_oidc_gate_shows_only_sign_in():
    at = new_app()
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception
    assert at.button[0].label == "Sign in"
    assert not at.metric


# ------------------------------------------------------------------ slow-down and lockout


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(auth.THROTTLE, "clock", fake)
    auth.THROTTLE.clear()
    yield fake
    auth.THROTTLE.clear()


def test_throttle_schedule_lockout_and_expiry():
    fake = FakeClock()
    t = auth.Throttle(clock=fake)
    keys = ["session:a", "address:x"]
    waits = []
    for _ in range(10):
        assert t.wait(keys) == 0
        t.failed(keys)
        waits.append(t.wait(keys))
        fake.now += waits[-1]
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 300]  # then a 5-minute lockout
    assert t.wait(["address:x"]) == 0  # waited out
    t.failed(["address:x"])  # the 11th within the window: locked out again
    assert t.wait(["address:x"]) == 300
    assert t.wait(["session:other"]) == 0  # other keys are not affected
    fake.now += 300 + 900
    assert t.wait(keys) == 0  # the count expires
    t.failed(keys)
    assert t.wait(keys) == 0  # counting starts again


def test_throttle_is_bounded_and_thread_safe():
    t = auth.Throttle(max_keys=100, clock=FakeClock())
    for i in range(1000):
        t.failed([f"address:{i}"])
    assert len(t._records) == 100
    t = auth.Throttle(lock_after=10_000, clock=FakeClock())

    def hammer():
        for _ in range(500):
            t.failed(["address:same"])

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert t._records["address:same"].failures == 4000


def _password_app():
    at = new_app()
    at.secrets["access"] = {"password": "correct horse"}
    return at.run()


def _try(at, password):
    at.text_input(key="access_password").input(password)
    at.button[0].click()
    return at.run()


def signed_in(at) -> bool:
    return bool(at.title) and at.title[0].value in ("What to do now", "Overview")


def test_fast_guessing_is_slowed_then_locked_out(clock):
    at = _password_app()
    for _ in range(4):
        _try(at, "guess")
    # 4 wrong passwords in a row: the next try too soon is not even checked
    _try(at, "correct horse")
    assert not signed_in(at)
    assert any("Too many wrong passwords" in e.value for e in at.error)
    assert any("wait 1 second" in c.value for c in at.caption)
    # An attacker who waits out every delay reaches the lockout after 10 wrong passwords
    for _ in range(6):
        clock.now += 61
        _try(at, "guess")
    clock.now += 60
    _try(at, "correct horse")
    assert not signed_in(at), "the right password is refused during the lockout"
    # a fresh session from the same address is locked out too
    other = _password_app()
    _try(other, "correct horse")
    assert not signed_in(other)
    clock.now += 301
    _try(at, "correct horse")
    assert signed_in(at)


def test_sixty_fast_tries_then_the_right_one_is_refused(clock):
    at = _password_app()
    for _ in range(60):  # no time passes: as fast as a script can send them
        _try(at, "guess")
    _try(at, "correct horse")
    assert not signed_in(at)


# ------------------------------------------------------------------ sign-out


def test_sign_out_forgets_the_upload(clock):
    csv = b"customer,order_date,amount\nzz-secret,2024-01-01,5\nzz-secret,2024-02-01,7\n"
    at = _password_app()
    _try(at, "correct horse")
    assert signed_in(at)
    at = run_page("app_pages/overview.py", upload=("mine.csv", csv, "text/csv"), at=at)
    assert "mine.csv" in texts(at)
    at.button(key="sign_out").click()
    at.run()
    assert not signed_in(at)
    for key in ("_file_upload_tx", "_prepared_uploads", "import_settings", auth._OK_KEY):
        assert key not in at.session_state, key
    _try(at, "correct horse")
    assert signed_in(at)
    assert "mine.csv" not in texts(at)  # back on the example data
    assert "Online shop" in texts(at)


# ------------------------------------------------------------------ download addresses


def _download_names_app(secret: bool) -> AppTest:
    def script():
        import streamlit as st

        from ui.auth import private_file_name

        st.text(private_file_name("top_product.csv"))
        st.text(private_file_name("top_product.csv"))

    at = AppTest.from_function(script)
    if secret:
        at.secrets["access"] = {"password": "x"}
    return at.run()


def test_download_names_carry_a_per_session_token_when_private():
    from streamlit.runtime.memory_media_file_storage import _calculate_file_id

    a, b = _download_names_app(True), _download_names_app(True)
    name_a, name_b = a.text[0].value, b.text[0].value
    assert name_a == a.text[1].value  # stable within a session (a rerun keeps its address)
    assert re.fullmatch(r"top_product-[0-9a-f]{16}\.csv", name_a)
    assert name_a != name_b
    # the media id (the /media/ address) of the same bytes differs per session
    data = b"customer_id,revenue\nC1,10\n"
    ids = {_calculate_file_id(data, "text/csv", n) for n in (name_a, name_b, "top_product.csv")}
    assert len(ids) == 3
    assert _download_names_app(False).text[0].value == "top_product.csv"  # open app: unchanged
