"""Links that reproduce a view: settings come from the URL; uploads are asked for, never shared."""

from tests.apptest_utils import new_app, texts
from tests.paths import ROOT


def _link(at) -> str:
    return next(c.value for c in at.sidebar.code)


def test_dataset_is_read_from_the_link_by_its_short_key():
    at = new_app()
    at.query_params["dataset"] = "cafe"
    at.run()
    assert not at.exception
    assert at.selectbox(key="dataset").value == "cafe"
    assert "Corner café" in texts(at)
    assert _link(at).endswith("?dataset=cafe")  # the link keeps the short key
    assert not at.warning


def test_an_old_link_with_the_label_still_works():
    at = new_app()
    # Streamlit's own binding put the option's label in the URL.
    at.query_params["dataset"] = "Corner café (small spreadsheet)"
    at.run()
    assert not at.exception
    assert at.selectbox(key="dataset").value == "cafe"
    assert _link(at).endswith("?dataset=cafe")


def test_choosing_a_dataset_puts_its_short_key_in_the_link():
    at = new_app().run()
    assert "dataset=" not in _link(at)  # the default stays out of the link
    at.selectbox(key="dataset").set_value("cafe").run()
    assert not at.exception
    assert _link(at).endswith("?dataset=cafe")
    assert at.query_params["dataset"] in ("cafe", ["cafe"])


def test_an_unknown_dataset_in_the_link_is_named_not_silently_replaced():
    at = new_app()
    at.query_params["dataset"] = "retail-typo"
    at.run()
    assert not at.exception
    assert at.selectbox(key="dataset").value == "shop"
    warning = "\n".join(w.value for w in at.warning)
    assert "dataset" in warning and "retail-typo" in warning and "Online shop" in warning
    # choosing a dataset answers it
    at.selectbox(key="dataset").set_value("cafe").run()
    assert "retail-typo" not in "\n".join(w.value for w in at.warning)


def test_an_unknown_value_is_shown_as_inert_text():
    at = new_app()
    at.query_params["dataset"] = "**bold** <b>x</b>"
    at.run()
    warning = "\n".join(w.value for w in at.warning)
    assert "\\*\\*bold" in warning and "<b>" not in warning


def test_link_from_an_upload_asks_for_the_file_and_shows_no_example():
    at = new_app()
    at.query_params["data"] = "upload"
    at.run()
    assert not at.exception
    assert any("Upload your copy" in i.value for i in at.info)
    assert [t.value for t in at.title] == ["Upload your copy of the file to see this view"]
    assert not at.metric and not at.dataframe  # no figures of another dataset


def test_leaving_an_upload_link_shows_the_examples():
    at = new_app()
    at.query_params["data"] = "upload"
    at.run()
    at.button(key="share_leave_upload_link").click().run()
    assert not at.exception
    assert "data" not in at.query_params
    assert at.metric  # the overview of the example


def test_share_control_says_what_the_link_contains():
    at = new_app().run()
    captions = "\n".join(c.value for c in at.sidebar.caption)
    assert "never contains any data" in captions


def _bound_widget_keys() -> set[str]:
    """Every widget key bound to the address in the pages and the sidebar (from the source)."""
    import ast

    root = ROOT
    keys = set()
    for path in [*sorted((root / "app_pages").glob("*.py")), root / "ui" / "data.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            kw = {k.arg: k.value for k in node.keywords}
            bind = kw.get("bind")
            by_key = isinstance(node.func, ast.Name) and node.func.id == "linked"  # ui.share
            if by_key or (isinstance(bind, ast.Constant) and bind.value == "query-params"):
                key = kw["key"]
                if isinstance(key, ast.JoinedStr):  # f"cohorts_range_{period}"
                    keys.add(key.values[0].value + "x")
                else:
                    keys.add(key.value)
    return keys


def test_only_fixed_settings_are_bound_to_the_address():
    from ui.share import is_shared_setting

    keys = _bound_widget_keys()
    assert "patterns_rank" in keys and "rfm_bins" in keys  # the scan works
    assert all(is_shared_setting(k) for k in keys), sorted(
        k for k in keys if not is_shared_setting(k)
    )
    # the feedback breakdown offers the survey file's own column names: never in a link
    assert "feedback_by" not in keys and not is_shared_setting("feedback_by")


def test_link_never_carries_a_value_from_the_file():
    at = new_app()
    at.query_params["patterns_rank"] = "orders"
    at.query_params["feedback_by"] = "Plan ACME-secret-tier"  # as an older link had it
    at.query_params["utm_source"] = "x"
    at.run()
    assert not at.exception
    link = next(c.value for c in at.sidebar.code)
    assert "feedback_by" not in link and "ACME" not in link and "utm_source" not in link
    assert link.endswith("?patterns_rank=orders")  # the settings still travel


def test_a_setting_the_page_does_not_know_is_named():
    at = new_app()
    at.query_params["overview_period"] = "Last 9 days"  # not an option
    at.query_params["overview_compare"] = "Previous period"  # the default: fine
    at.run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    warning = "\n".join(w.value for w in at.warning)
    assert "overview_period" in warning and "Last 9 days" in warning
    assert "overview_compare" not in warning
    assert at.segmented_control(key="overview_period").value == "all"


def test_settings_the_page_knows_raise_no_warning():
    at = new_app()
    at.query_params["overview_period"] = "Last 90 days"
    at.query_params["overview_compare"] = "Same period last year"
    at.run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert not at.warning
    assert at.segmented_control(key="overview_period").value == "90d"
    assert any("vs the same 90 days last year" in (m.delta or "") for m in at.metric)
