"""Access control: open by default, a shared password when configured."""

from tests.apptest_utils import new_app
from ui.auth import password_matches


def test_open_by_default():
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "Overview"


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
    assert at.title[0].value == "Overview"
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
