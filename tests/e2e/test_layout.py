"""Issue #15's browser check: every page at 1280x800 and at phone width (390x844).

One tour of the app on the default example dataset (one browser, one server, one browser tab):
every page of the navigation is opened at the desktop size, then every page again, freshly, at
the phone size (Streamlit settles the sidebar and the tables' widths when a page loads). For each
visit the tour waits until the script has finished and the charts are drawn, then measures in the
page and saves a full-page screenshot (to a temporary folder, and, with what was measured in
``measured.json``, to the folder ``$CF_SCREENSHOTS`` names):

- cut-off labels: widget labels, tabs, radio and segmented-control options, the value shown in
  a select box, metric labels, expanders, buttons and the navigation's links. A label is cut off
  when a box of it, or around it up to its element's container, clips (``overflow`` other than
  visible, ``text-overflow``, ``-webkit-line-clamp``, an ``<input>``) and what it holds is wider
  (``scrollWidth > clientWidth + 1``) or its text reaches below it. Streamlit shortens with CSS,
  so that ellipsis is not in the text; a label whose *text* ends in an ellipsis that the widget's
  own name (its ``aria-label``: the label as the page gave it) lacks is counted too;
- things wider than the screen: the document or the main area scrolling sideways, or a chart,
  table or element sticking out of the main column (unless it sits in a box of its own that
  scrolls sideways and fits), or hiding its own right-hand part;
- requests: every URL the browser asks for during the whole tour (``page.on("request")``: the
  page, scripts, fonts, favicon, images, Vega) must be on 127.0.0.1 / localhost; ``data:`` and
  ``blob:`` are fine. Any other is refused as well as counted.

The last tests show that each check can fail, on crafted pages (``page.set_content``).

    CF_SCREENSHOTS=/tmp/shots python -m pytest -q -p no:cacheprovider tests/e2e/test_layout.py
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ui.navigation import available_pages

pytestmark = pytest.mark.e2e

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
# (url path, title) of every page of the navigation; the first is the default page, at "/".
PAGES = [
    ("" if i == 0 else Path(spec.path).stem, spec.title) for i, spec in enumerate(available_pages())
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
MAX_SHOT_HEIGHT = 12_000  # px: a longer page is shot down to here

# The script has run to its end (Streamlit marks the app root) and the page has its title, or
# it stopped on an error (which the tour then reports).
READY = (
    '[data-testid="stApp"][data-test-script-state="notRunning"] [data-testid="stMain"] '
    ':is(h1, [data-testid="stException"])'
)
SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const shown = e => e.getClientRects().length > 0;
  if ([...document.querySelectorAll('[data-testid="stSpinner"], [data-testid="stSkeleton"]')]
      .some(shown)) return false;
  // every visible Vega chart has drawn its canvas or svg
  return [...document.querySelectorAll('.vega-embed')].filter(shown)
    .every(e => e.querySelector('canvas, svg'));
}"""

# What counts as a label, and the measurement (see the module docstring).
LABELS = ", ".join(
    [
        '[data-testid="stWidgetLabel"]',
        '[data-testid="stTab"]',
        '[role="tab"]',
        '[role="radiogroup"] label',
        '[data-testid="stButtonGroup"] button',
        '[data-testid="stSelectbox"] input',
        '[data-testid="stMultiSelect"] [data-baseweb="tag"]',
        '[data-testid="stMultiSelect"] input',
        '[data-testid="stMetricLabel"]',
        '[data-testid="stExpander"] summary',
        '[data-testid="stButton"] button',
        '[data-testid="stDownloadButton"] button',
        '[data-testid="stPopover"] button',
        '[data-testid="stSidebarNavLink"]',
    ]
)
TRUNCATED = """(selector) => {
  const shown = e => e.getClientRects().length > 0;
  const textOf = e => (e.tagName === 'INPUT' ? e.value : e.innerText || '').trim();
  // how far the text inside el reaches below el's padding box (margins do not count)
  const textBottom = el => {
    let bottom = -Infinity;
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) bottom = Math.max(bottom, r.bottom);
    }
    return bottom;
  };
  const found = [];
  const seen = new Set();
  const onScreen = e => {
    const r = e.getBoundingClientRect();
    return shown(e) && r.width > 0 && r.right > 0 && r.left < window.innerWidth;
  };
  for (const target of document.querySelectorAll(selector)) {
    if (!onScreen(target)) continue;                 // an inactive tab, the closed sidebar
    const bar = target.closest('[data-testid="stSidebar"]');
    if (bar && !onScreen(bar)) continue;
    const label = textOf(target);
    if (!label) continue;
    // the label's own boxes, and the boxes around it up to its element's container
    const stop = target.closest('[data-testid="stElementContainer"]');
    const around = [];
    for (let a = target.parentElement; a && stop && stop.contains(a); a = a.parentElement)
      around.push(a);
    for (const el of [target, ...target.querySelectorAll('*'), ...around]) {
      if (seen.has(el) || !shown(el)) continue;
      seen.add(el);
      const cs = getComputedStyle(el);
      if (cs.display === 'inline' || !textOf(el)) continue;
      const clipsX = el.tagName === 'INPUT' || cs.overflowX !== 'visible'
        || cs.textOverflow !== 'clip';
      const clipsY = cs.overflowY !== 'visible' || (cs.webkitLineClamp || 'none') !== 'none';
      const wide = el.scrollWidth > el.clientWidth + 1;
      const box = el.getBoundingClientRect();
      const tall = el.tagName !== 'INPUT'
        && textBottom(el) > box.top + el.clientTop + el.clientHeight + 1;
      if ((clipsX && wide) || (clipsY && tall)) {
        found.push({label: label.slice(0, 80), text: textOf(el).slice(0, 80),
          why: `${el.tagName.toLowerCase()}${el.dataset.testid ? '.' + el.dataset.testid : ''}`
            + ` shows ${el.clientWidth}x${el.clientHeight} px of ${el.scrollWidth}`
            + `x${el.scrollHeight}`});
        break;
      }
    }
    // an ellipsis in the text itself that the label as given (the widget's name) lacks
    if (/(\\u2026|\\.\\.\\.)$/.test(label)) {
      const box = stop || target.parentElement;
      const names = [box, ...box.querySelectorAll('[aria-label], [title]')]
        .flatMap(e => [e.getAttribute('aria-label'), e.getAttribute('title')])
        .filter(Boolean).map(s => s.trim());
      if (!names.some(n => n.endsWith(label)))
        found.push({label, why: 'ends in an ellipsis the label as given does not have'});
    }
  }
  return found;
}"""
# Wider than the screen: the document scrolls sideways, or a block sticks out of the main column.
TOO_WIDE = """() => {
  const found = [];
  const view = document.documentElement.clientWidth;
  for (const s of [document.documentElement, document.body,
                   document.querySelector('[data-testid="stAppViewContainer"]'),
                   document.querySelector('[data-testid="stMain"]')]) {
    if (s && s.scrollWidth > view + 1) found.push({what: s.tagName.toLowerCase()
      + (s.dataset.testid ? '.' + s.dataset.testid : ''), width: s.scrollWidth, view});
  }
  const main = document.querySelector('[data-testid="stMainBlockContainer"]')
    || document.querySelector('[data-testid="stMain"]') || document.body;
  const right = Math.min(main.getBoundingClientRect().right, view);
  const blocks = '.vega-embed, [data-testid="stDataFrame"], [data-testid="stTable"], '
    + '[data-testid="stElementContainer"], [data-testid="stHorizontalBlock"]';
  // inside a box that scrolls sideways and itself fits, a wide block can be scrolled to
  const scrolledIn = b => {
    for (let a = b.parentElement; a && a !== main; a = a.parentElement) {
      const x = getComputedStyle(a).overflowX;
      if ((x === 'auto' || x === 'scroll') && a.getBoundingClientRect().right <= right + 1)
        return true;
    }
    return false;
  };
  for (const b of main.querySelectorAll(blocks)) {
    if (!b.getClientRects().length) continue;
    const r = b.getBoundingClientRect();
    if (r.width > 0 && r.right > right + 1 && !scrolledIn(b)) {
      found.push({what: b.className.toString().split(' ')[0] || b.dataset.testid,
                  text: (b.innerText || '').trim().slice(0, 60),
                  right: Math.round(r.right), edge: Math.round(right)});
    }
    // a chart or table that hides what does not fit (no way to scroll to it)
    const x = getComputedStyle(b).overflowX;
    if ((x === 'hidden' || x === 'clip') && b.scrollWidth > b.clientWidth + 1) {
      found.push({what: b.className.toString().split(' ')[0] || b.dataset.testid,
                  text: (b.innerText || '').trim().slice(0, 60),
                  cut: `shows ${b.clientWidth} of ${b.scrollWidth} px`});
    }
  }
  return found;
}"""
# What the page was doing, for a message when it does not finish.
STATE = """() => ({
  script: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state'),
  connection: document.querySelector('[data-testid="stApp"]')
    ?.getAttribute('data-test-connection-state'),
  h1: document.querySelector('[data-testid="stMain"] h1')?.innerText,
  spinners: [...document.querySelectorAll('[data-testid="stSpinner"], [data-testid="stSkeleton"]')]
    .map(e => e.innerText.slice(0, 80)),
  charts: [...document.querySelectorAll('.vega-embed')]
    .map(e => !!e.querySelector('canvas, svg')),
  url: location.href,
})"""
# The element that scrolls the page (Streamlit scrolls a container, not the document).
PAGE_HEIGHT = """() => Math.max(document.documentElement.scrollHeight,
  ...['stAppViewContainer', 'stMain', 'stMainBlockContainer']
    .map(id => document.querySelector(`[data-testid="${id}"]`))
    .filter(Boolean).map(e => e.scrollHeight))"""


def outside_requests(urls: list[str]) -> list[str]:
    """Return the URLs that go anywhere but this computer (``data:``/``blob:`` are local)."""
    outside = []
    for url in urls:
        parts = urlparse(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        if parts.hostname not in LOOPBACK and f"[{parts.hostname}]" not in LOOPBACK:
            outside.append(url)
    return outside


def wait_until_rendered(page) -> None:
    """Wait for the page's title, the end of its script run and its charts."""
    page.wait_for_selector(READY, timeout=120_000)
    page.wait_for_function(SETTLED, timeout=60_000)
    page.wait_for_timeout(300)  # a rerun the page asks for starts within a frame or two
    page.wait_for_function(SETTLED, timeout=60_000)


def full_page_screenshot(page, path: Path, viewport: dict[str, int]) -> None:
    """Save the whole page (the window grown to its height for the shot) as a PNG."""
    height = min(int(page.evaluate(PAGE_HEIGHT)), MAX_SHOT_HEIGHT)
    if height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": height})
        page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)


@pytest.fixture(scope="module")
def shots_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def tour(browser, app_url, shots_dir):
    """Open every page at both sizes once; return what was measured and every request made."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.set_default_timeout(90_000)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    # Nothing may leave: a request to another host is recorded above, then refused here.
    page.route(
        "**/*",
        lambda route: route.abort() if outside_requests([route.request.url]) else route.continue_(),
    )
    keep = os.environ.get("CF_SCREENSHOTS")
    visits = {}
    try:
        # Each size is a fresh visit of every page, as a phone would open it (Streamlit decides
        # the sidebar and the tables' widths when a page loads, not when the window changes).
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            for path, title in PAGES:
                started = time.monotonic()
                page.goto(f"{app_url}/{path}")
                try:
                    wait_until_rendered(page)
                except PlaywrightTimeout:
                    page.screenshot(path=str(shots_dir / f"{path or 'actions'}-{size}-timeout.png"))
                    state = page.evaluate(STATE)
                    if keep:
                        shutil.copy(shots_dir / f"{path or 'actions'}-{size}-timeout.png", keep)
                    pytest.fail(f"{title} at {size} did not finish rendering: {state}")
                rendered = time.monotonic()
                shot = shots_dir / f"{path or 'actions'}-{size}.png"
                heading = page.locator('[data-testid="stMain"] h1')
                visits[(title, size)] = {
                    "h1": heading.first.inner_text() if heading.count() else "",
                    "truncated": page.evaluate(TRUNCATED, LABELS),
                    "too_wide": page.evaluate(TOO_WIDE),
                    "errors": page.locator('[data-testid="stException"]').count(),
                    "shot": shot,
                }
                full_page_screenshot(page, shot, viewport)
                if keep:
                    Path(keep).mkdir(parents=True, exist_ok=True)
                    shutil.copy(shot, Path(keep) / shot.name)
                # seconds to run and draw the page, and to measure and shoot it
                visits[(title, size)]["seconds"] = [
                    round(rendered - started, 1),
                    round(time.monotonic() - rendered, 1),
                ]
    finally:
        context.close()
    (shots_dir / "measured.json").write_text(
        json.dumps(
            {
                f"{t} @ {s}": {k: v for k, v in m.items() if k != "shot"}
                for (t, s), m in visits.items()
            },
            indent=1,
        )
    )
    if keep:
        shutil.copy(shots_dir / "measured.json", Path(keep) / "measured.json")
    return {"visits": visits, "requests": requests}


@pytest.mark.slow  # one tour of 11 pages at two sizes: minutes on a loaded machine
def test_every_page_renders_at_both_sizes_with_a_screenshot(tour):
    assert len(tour["visits"]) == len(PAGES) * len(VIEWPORTS)
    for (title, size), visit in tour["visits"].items():
        assert visit["errors"] == 0, (title, size)
        assert visit["h1"].strip(), (title, size)
        assert visit["shot"].stat().st_size > 5_000, (title, size)  # not a blank image


# Not labels but the data itself: the column of the example survey file that a select box on
# "Your data" shows as chosen. A select box shows one line, and this header (62 characters) is
# wider than the box at 1280 px and on a phone; the open list shows it whole.
DATA_VALUES = {("Your data", "How likely are you to recommend us to a friend or colleague?")}


@pytest.mark.slow  # one tour of 11 pages at two sizes: minutes on a loaded machine
def test_no_label_is_cut_off(tour):
    cut = {
        f"{title} @ {size}": [f for f in v["truncated"] if (title, f["label"]) not in DATA_VALUES]
        for (title, size), v in tour["visits"].items()
    }
    assert not {k: v for k, v in cut.items() if v}


@pytest.mark.slow  # one tour of 11 pages at two sizes: minutes on a loaded machine
def test_nothing_is_wider_than_the_screen(tour):
    wide = {f"{title} @ {size}": v["too_wide"] for (title, size), v in tour["visits"].items()}
    assert not {k: v for k, v in wide.items() if v}


@pytest.mark.slow  # one tour of 11 pages at two sizes: minutes on a loaded machine
def test_no_request_leaves_this_computer(tour):
    assert len(tour["requests"]) > len(PAGES)  # the recorder saw the tour
    assert not outside_requests(tour["requests"])


# ---- each check can fail -------------------------------------------------------------------

CRAFTED = """
<div data-testid="stMain"><div data-testid="stMainBlockContainer" style="width:300px">
  <div data-testid="stElementContainer">
    <label data-testid="stWidgetLabel" style="display:block;width:120px;white-space:nowrap;
      overflow:hidden;text-overflow:ellipsis">Chance of no order in the next 90 days</label>
    <input aria-label="Chance of no order in the next 90 days">
  </div>
  <div data-testid="stElementContainer">
    <label data-testid="stWidgetLabel" style="display:block;width:280px">Short label</label>
    <input aria-label="Short label">
  </div>
  <div data-testid="stElementContainer">
    <label data-testid="stWidgetLabel" style="display:block;width:280px">Times more...</label>
    <input aria-label="Times more often than chance (lift), at least">
  </div>
  <div data-testid="stElementContainer">
    <label data-testid="stWidgetLabel" style="display:block;width:280px">Top 20 % ...</label>
    <input aria-label="Top 20 % ...">
  </div>
  <div data-testid="stSelectbox"><input style="width:80px" value="Online shop (generated)"></div>
  <div data-testid="stElementContainer"><p data-testid="stWidgetLabel"
     style="width:100px;line-height:20px;max-height:20px;overflow:hidden">Three words wrap
     onto several lines here</p></div>
  <div role="radiogroup"><label style="display:block;width:280px">Day first</label></div>
  <div data-testid="stElementContainer"><div data-testid="stButtonGroup">
    <div role="radiogroup" style="width:150px;overflow-x:auto;white-space:nowrap"><button
      >In that period</button><button>Then every month</button></div></div></div>
</div></div>
"""


def test_the_label_check_catches_cut_labels_and_passes_whole_ones(page):
    page.set_content(CRAFTED)
    found = page.evaluate(TRUNCATED, LABELS)
    labels = sorted(f["label"] for f in found)
    assert labels == sorted(
        [
            "Chance of no order in the next 90 days",  # CSS ellipsis
            "Times more...",  # an ellipsis the label as given lacks
            "Online shop (generated)",  # a select box's value wider than its box
            "Three words wrap onto several lines here",  # cut below its first line
            "In that period",  # a segmented control wider than its column scrolls
        ]
    ), found
    # and once the narrow boxes get room, nothing is reported
    page.evaluate(
        """() => { document.querySelectorAll('label, input, p').forEach(e => {
             e.style.width = '2000px'; e.style.maxHeight = 'none'; });
           document.querySelector('[role=radiogroup][style]').style.width = '600px'; }"""
    )
    page.evaluate(
        "() => document.querySelector('[aria-label^=\"Times\"]')"
        ".setAttribute('aria-label', 'Times more...')"
    )
    assert page.evaluate(TRUNCATED, LABELS) == []


def test_the_width_check_catches_a_chart_wider_than_the_screen(page):
    page.set_viewport_size(VIEWPORTS["phone"])
    page.set_content(
        '<div data-testid="stMain"><div data-testid="stMainBlockContainer" style="width:370px">'
        '<div class="vega-embed" style="width:360px;height:50px"></div></div></div>'
    )
    assert page.evaluate(TOO_WIDE) == []
    page.evaluate("() => document.querySelector('.vega-embed').style.width = '700px'")
    found = page.evaluate(TOO_WIDE)
    assert any(f["what"] == "vega-embed" for f in found), found
    assert any(f["what"] == "html" for f in found), found  # the page now scrolls sideways
    # in a box of its own that scrolls sideways (and fits), the wide chart can be reached
    page.evaluate(
        """() => { const box = document.createElement('div');
             box.style.overflowX = 'auto';
             const chart = document.querySelector('.vega-embed');
             chart.replaceWith(box); box.appendChild(chart); }"""
    )
    assert page.evaluate(TOO_WIDE) == []
    # but a box that cuts it off (overflow hidden) is no way to reach it
    page.evaluate(
        "() => document.querySelector('.vega-embed').parentElement.style.overflowX = 'hidden'"
    )
    assert [f["what"] for f in page.evaluate(TOO_WIDE)] == ["vega-embed"]
    # and so is a chart that fits only because it hides its own right-hand part
    page.evaluate(
        """() => { const chart = document.querySelector('.vega-embed');
             chart.parentElement.style.overflowX = 'visible';
             chart.style.width = '300px'; chart.style.overflowX = 'hidden';
             chart.innerHTML = '<div style="width:700px;height:10px"></div>'; }"""
    )
    assert [f.get("cut") for f in page.evaluate(TOO_WIDE)] == ["shows 300 of 700 px"]


def test_the_request_check_catches_a_font_from_another_host(page):
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.route("**/*", lambda route: route.abort())  # nothing really goes out
    page.set_content(
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">'
        '<img src="http://127.0.0.1:9/favicon.png"><img src="data:image/png;base64,AAAA">'
    )
    page.wait_for_timeout(300)
    assert outside_requests(seen) == ["https://fonts.googleapis.com/css2?family=Inter"]
    assert outside_requests(["http://localhost:8501/x", "blob:http://127.0.0.1/1"]) == []
    assert outside_requests(["http://127.0.0.1.example.com/"]) == ["http://127.0.0.1.example.com/"]
