"""The site in a real browser: headless Chromium over a local http.server on 127.0.0.1,
driven through the DevTools protocol (websocket-client).

Every page loads without console errors, failed requests or exceptions; the
network diagram renders with every organisation; no page type overflows
horizontally on a phone (375 px) or a desktop (1,400 px); the search box finds a
resource by its label and leads to its page; a node of the diagram page leads to
its page. Screenshots of the index, resource pages (at 1,400 and 375 px), the
ontology page and the diagram page are written for review to $NLSC_SCREENSHOTS
(default: test-artifacts/screenshots/ in the checkout), the overflow table to
test-artifacts/overflow.md.

With the environment variable CI set, a missing Chromium (or websocket-client)
is a failure, not a skip.
"""

from __future__ import annotations

import base64
import functools
import http.server
import itertools
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("jinja2")

from nlsc.build.sources import load  # noqa: E402
from nlsc.namespaces import CV, ORG  # noqa: E402
from rdflib.namespace import RDF  # noqa: E402
from nlsc.paths import layout  # noqa: E402
from nlsc.site.model import Names, doc_path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ.get("NLSC_SCREENSHOTS", REPO / "test-artifacts" / "screenshots"))
OVERFLOW_REPORT = REPO / "test-artifacts" / "overflow.md"
#: one xdist worker runs the whole module, so the session starts one Chromium, not one per worker
pytestmark = pytest.mark.xdist_group("browser")
#: one sample page per page type, for the overflow test (add a type: add a line)
PAGE_TYPES = {
    "index": "index.html",
    "all resources": "doc/index.html",
    "organisation": "doc/organisatie/aivd.html",
    "arrangement": "doc/samenwerkingsverband/jscu.html",
    "information provision": "doc/informatieverstrekking/aivd-openbaar-ministerie.html",
    "passage": "doc/passage/om-ambtsbericht.html",
    "context fact": "doc/contextfeit/aivd-english-name.html",
    "source page": "doc/bron/samenwerking-nationaal.html",
    "ontology": "def/index.html",
    "diagram": "diagram.html",
    "query": "queries/recipients-by-instrument.html",
}
#: phones (both ends of the 360-400 px the site must fit, and 375) and a desktop
WIDTHS = ((360, True), (375, True), (400, True), (1400, False))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--hide-scrollbars",
                  "--disable-extensions", "--disable-sync", "--mute-audio", "--remote-allow-origins=*"]


def _missing(what: str):
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} not available")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        exe = shutil.which(name)
        if exe:
            return exe
    _missing("chromium")


# -- a minimal DevTools protocol client ------------------------------------------

class DevTools:
    def __init__(self, ws_url: str):
        try:
            import websocket  # websocket-client
        except ImportError:
            _missing("websocket-client")
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def send(self, method: str, **params) -> dict:
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == method:
                return msg
            self.events.append(msg)
        raise TimeoutError(method)

    def close(self):
        self.ws.close()


class Browser:
    def __init__(self):
        exe = _chromium()
        self.profile = tempfile.mkdtemp(prefix="nlsc-chromium-")
        self.proc = subprocess.Popen(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             "--window-size=1400,1000", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.quit()
                raise RuntimeError("chromium did not start")
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        self.cdp = DevTools(page["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.cdp.send(f"{domain}.enable")

    def open(self, url: str) -> list[str]:
        """Load `url`; return the problems seen: console errors, exceptions, failed requests."""
        self.cdp.events.clear()
        self.cdp.send("Page.navigate", url=url)
        return self.loaded()

    def follow(self, expression: str) -> list[str]:
        """Run `expression` (a click that leaves the page) and wait for the next page, as open()."""
        self.cdp.events.clear()
        self.evaluate(expression)
        return self.loaded()

    def viewport(self, width: int, mobile: bool, height: int = 900) -> None:
        """Lay pages out at `width` CSS px; `mobile`: as a phone does (meta viewport honoured)."""
        self.cdp.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=mobile)

    def loaded(self) -> list[str]:
        self.cdp.wait_for("Page.loadEventFired")
        self.cdp.send("Runtime.evaluate", expression="1", awaitPromise=True)  # flush pending events
        problems = []
        for ev in self.cdp.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                problems.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif m == "Runtime.exceptionThrown":
                problems.append("exception: " + p["exceptionDetails"].get("text", ""))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                problems.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif m == "Network.loadingFailed" and not p.get("canceled"):
                problems.append(f"request failed: {p.get('errorText')}")
            elif m == "Network.responseReceived" and p["response"]["status"] >= 400:
                problems.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
        return problems

    def evaluate(self, expression: str):
        res = self.cdp.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def screenshot(self, path: Path, width: int = 1400, full_page: bool = True, mobile: bool = False) -> bytes:
        height = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)") or 1000) if full_page else 1000
        height = max(600, min(height, 6000))
        self.viewport(width, mobile, height)
        data = base64.b64decode(self.cdp.send("Page.captureScreenshot", format="png",
                                              captureBeyondViewport=True)["data"])
        self.cdp.send("Emulation.clearDeviceMetricsOverride")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return data

    def quit(self):
        try:
            if hasattr(self, "cdp"):
                self.cdp.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


# -- fixtures ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(dist) -> Path:
    """The site of the session's build (conftest.dist): the pages are only read."""
    assert (dist / "site" / "index.html").is_file()
    return dist / "site"


@pytest.fixture(scope="module")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a page and its assets over one connection (0.2 -> 0.12 s a page)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.quit()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# -- tests ---------------------------------------------------------------------------

def test_every_page_loads_without_errors(site, server, browser):
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) > 200
    failures = {}
    for page in pages:
        problems = browser.open(server + page)
        if problems:
            failures[page] = problems
    assert not failures, json.dumps(failures, indent=1)[:4000]


def test_diagram_renders_with_every_organisation(site, server, browser):
    union = load(layout()).union()
    names = Names(union)
    orgs = sorted(union.subjects(predicate=None, object=CV.PublicOrganisation))
    assert orgs
    for url in (server + "diagram.svg", server + "index.html", server + "diagram.html"):
        assert not browser.open(url), url
        rendered = browser.evaluate("""(() => {
            const out = {};
            for (const a of document.querySelectorAll('svg a')) {
              const href = a.getAttribute('xlink:href') || a.getAttribute('href');
              const t = a.querySelector('text');
              if (!href || !t) continue;
              const box = t.getBBox();
              out[href] = {w: box.width, h: box.height, text: a.textContent.trim()};
            }
            return out;
        })()""")
        for org in orgs:
            href = doc_path(org)
            assert href in rendered, (url, org)
            assert rendered[href]["w"] > 5 and rendered[href]["h"] > 5, (url, org, rendered[href])
            short = names.short(org)
            assert " ".join(rendered[href]["text"].split()) == " ".join(short.split()), (org, rendered[href])
    # readable at default size: the standalone SVG is drawn at >= 12 px text
    assert not browser.open(server + "diagram.svg")
    size = browser.evaluate("Math.min(...[...document.querySelectorAll('text')]"
                            ".filter(t => t.textContent.trim()).map(t => t.getBoundingClientRect().height))")
    assert size >= 12, size
    data = browser.screenshot(SHOTS / "diagram.png", full_page=True)
    w, h = _png_size(data)
    assert w >= 1000 and h >= 600 and len(data) > 50_000, (w, h, len(data))


def test_screenshots_for_review(site, server, browser):
    shots = {"index.png": "index.html", "organisatie-aivd.png": "doc/organisatie/aivd.html",
             "informatieverstrekking.png": "doc/informatieverstrekking/aivd-openbaar-ministerie.html",
             "ontology.png": "def/index.html", "diagram-page.png": "diagram.html",
             "query-recipients-by-instrument.png": "queries/recipients-by-instrument.html"}
    for name, page in shots.items():
        assert not browser.open(server + page), page
        data = browser.screenshot(SHOTS / name)
        w, h = _png_size(data)
        assert w == 1400 and h >= 600, (name, w, h)
        assert len(data) > 30_000, f"{name} looks blank ({len(data)} bytes)"
    # the page is not blank: there is a visible, non-empty heading
    assert not browser.open(server + "doc/organisatie/aivd.html")
    assert browser.evaluate("document.querySelector('h1').getBoundingClientRect().height") > 20
    assert browser.evaluate("document.documentElement.lang") == "nl"


def test_no_page_type_overflows_on_a_phone_or_a_desktop(site, server, browser):
    """scrollWidth <= innerWidth for one page of every type, at 375 px (as a phone) and 1,400 px."""
    rows, failures = [], []
    try:
        for kind, page in PAGE_TYPES.items():
            assert (site / page).is_file(), page
            row = [kind, f"`{page}`"]
            for width, mobile in WIDTHS:
                browser.viewport(width, mobile)
                problems = browser.open(server + page)
                scroll, inner = browser.evaluate(
                    "[document.documentElement.scrollWidth, window.innerWidth]")
                row.append(f"{scroll} / {inner}")
                if problems or scroll > inner or inner != width:
                    failures.append((kind, width, scroll, inner, problems))
                if width == 375 and kind == "organisation":
                    data = browser.screenshot(SHOTS / "organisatie-aivd-375.png", width=375, mobile=True)
                    assert _png_size(data)[0] == 375
                    browser.viewport(width, mobile)
            rows.append(row)
    finally:
        browser.cdp.send("Emulation.clearDeviceMetricsOverride")
    OVERFLOW_REPORT.parent.mkdir(parents=True, exist_ok=True)
    head = ["page type", "sample"] + [f"{w} px: scrollWidth / innerWidth" for w, _ in WIDTHS]
    OVERFLOW_REPORT.write_text("\n".join(["| " + " | ".join(r) + " |" for r in
                                          [head, ["---"] * len(head), *rows]]) + "\n", encoding="utf-8")
    assert not failures, failures


def _search(browser, text: str) -> list[str]:
    """Type `text` into the menu's search box; the result links shown, as site paths."""
    browser.evaluate(f"""(() => {{
        const q = document.getElementById('site-search-q');
        q.value = {json.dumps(text)};
        q.dispatchEvent(new Event('input', {{bubbles: true}}));
    }})()""")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        hrefs = browser.evaluate("[...document.querySelectorAll('#site-search-results a')]"
                                 ".map(a => new URL(a.href).pathname.slice(1))")
        if hrefs:
            return hrefs
        time.sleep(0.05)
    return []


def test_search_finds_a_resource_by_any_label_and_leads_to_its_page(site, server, browser):
    union = load(layout()).union()
    names = Names(union)
    from rdflib import Literal
    from rdflib.namespace import SKOS

    def having(label: str):
        return {s for p in (SKOS.prefLabel, SKOS.altLabel) for s, o in union.subject_objects(p)
                if isinstance(o, Literal) and label.casefold() in str(o).casefold()}

    assert not browser.open(server + "doc/passage/om-ambtsbericht.html")  # from a page deep in the site
    for text in ("AIVD", "Openbaar Ministerie", "Public Prosecution Service", "ISAC", "marechaussee"):
        hits = _search(browser, text)
        assert hits, text
        assert {doc_path(r) for r in having(text)} & set(hits), (text, hits)
    hits = _search(browser, "Marechaussee")
    kmar = [r for r in having("Marechaussee") if (r, None, CV.PublicOrganisation) in union]
    assert len(kmar) == 1
    assert doc_path(kmar[0]) in hits, hits
    browser.screenshot(SHOTS / "search.png", full_page=False)
    problems = browser.follow(f"[...document.querySelectorAll('#site-search-results a')]"
                              f".find(a => a.href.endsWith({json.dumps(doc_path(kmar[0]))})).click()")
    assert not problems, problems
    assert browser.evaluate("location.pathname") == "/" + doc_path(kmar[0])
    assert browser.evaluate("document.querySelector('h1').textContent") == names.pair(kmar[0])[0].value


def test_diagram_page_node_leads_to_its_page(site, server, browser):
    union = load(layout()).union()
    names = Names(union)
    assert not browser.open(server + "diagram.html")
    assert browser.evaluate("document.querySelectorAll('nav.menu a').length") >= 4  # the menu is there
    assert browser.evaluate("document.querySelectorAll('ul.legend li').length") >= 8  # and the legend
    target = sorted(union.subjects(RDF.type, ORG.OrganizationalCollaboration))[0]
    href = doc_path(target)
    problems = browser.follow(f"""[...document.querySelectorAll('svg a')]
        .find(a => (a.getAttribute('xlink:href') || a.getAttribute('href')) === {json.dumps(href)})
        .dispatchEvent(new MouseEvent('click', {{bubbles: true, cancelable: true, view: window}}))""")
    assert not problems, problems
    assert browser.evaluate("location.pathname") == "/" + href
    assert browser.evaluate("document.querySelector('h1').textContent") == names.pair(target)[0].value
