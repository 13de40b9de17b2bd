"""Links that reproduce a view: settings come from the URL; uploads are asked for, never shared."""

from tests.apptest_utils import new_app, texts


def test_dataset_is_read_from_the_link():
    at = new_app()
    # Bound select boxes put the option's label in the URL.
    at.query_params["dataset"] = "Corner café (small spreadsheet)"
    at.run()
    assert not at.exception
    assert at.selectbox(key="dataset").value == "cafe"
    assert "Corner café" in texts(at)


def test_link_from_an_upload_asks_for_the_file():
    at = new_app()
    at.query_params["data"] = "upload"
    at.run()
    assert not at.exception
    assert any("Upload your copy" in i.value for i in at.info)


def test_share_control_says_what_the_link_contains():
    at = new_app().run()
    captions = "\n".join(c.value for c in at.sidebar.caption)
    assert "never contains any data" in captions
