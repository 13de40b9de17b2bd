"""ui.model_choice owns the value page's model-choice key; other pages ask it, not the widget."""

from tests.paths import ROOT
from ui.model_choice import MODEL_KEY


def test_model_key_is_the_value_page_widget_key():
    source = (ROOT / "app_pages" / "value.py").read_text(encoding="utf-8")
    assert f'key="{MODEL_KEY}"' in source
    # No page but the value page names the key itself.
    for page in (ROOT / "app_pages").glob("*.py"):
        if page.name != "value.py":
            assert f'"{MODEL_KEY}"' not in page.read_text(encoding="utf-8"), page.name
