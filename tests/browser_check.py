#!/usr/bin/env python3
"""Open every page of the built book in a real headless Chromium and check what a reader sees.

Usage::

    .venv/bin/python tests/browser_check.py _build/html

For each HTML page (``_static``, ``_sources`` and other ``_*`` folders excluded) it asserts:

- MathJax finished (its ``startup.promise`` resolved) and no raw TeX (``$$``, ``\\begin{``,
  ``\\frac``, ``\\(``, ``\\[``) is left in the visible text outside code blocks;
- every ``<img>`` loaded (``naturalWidth > 0``);
- the console shows no error (console.error, uncaught exception, failed resource load);
- every internal link resolves: the target file exists and its ``#anchor`` is an ``id`` in it;
- no request left the machine (anything but the local server, ``data:`` or ``blob:`` fails);
- the page fits the screen at 1280 px: no code output, table or display equation reaches past
  the right edge of the text column (see ``FIT_CHECK``). Only source code may scroll inside
  its own box: the theme gives code cells and code blocks ``overflow: auto`` on purpose, and
  code must not be re-wrapped. Outputs wrap and tables wrap (book/_static/lossguide.css).

Then it checks the API reference: every name of every documented module's ``__all__`` has
its entry on a page and in the search index, and three searches typed into the search page
list the entry they should; and that the built "How to cite" gives the addresses that
``repository.url`` in ``_config.yml`` implies (the repository, the published book, the PDF).

It saves a full-page screenshot in light mode under ``_build/screenshots/``, one in dark
mode under ``_build/screenshots/dark/`` and one at phone width (390 px) under
``_build/screenshots/phone/``, prints one line per page and a final ``N passed, M failed``
line, and exits 1 if any page failed (2 if it cannot run at all).

``--print-pdf OUT`` instead prints the single-page build (``_build/singlehtml``) to one PDF
once MathJax and every image are done, with internal links turned into links inside the PDF
and links to other files of the book pointed at the published book (``make pdf``).

Chromium is driven over the DevTools protocol with ``websocket-client``; no WebDriver is
needed. The network is cut twice: the host resolver maps every name to NOTFOUND, and the
check fails on any request that does not go to the local server it starts itself.

This file is a script, not a pytest module: ``make test`` runs it after the strict build.
"""

from __future__ import annotations

import argparse
import base64
import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.parse
import urllib.request
from pathlib import Path

INSTALL_HINT = (
    "Install Chromium: on Debian/Ubuntu `apt-get install chromium chromium-driver` "
    "(`.ci/run` does this when it is missing), or point CHROMIUM=/path/to/chrome at one."
)
# Flags for a root user on a machine with no network and no display: without the
# background-networking flags Chromium keeps trying to reach Google's services at start-up.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    # Every host name fails to resolve, so nothing can leave the machine even if a page asks.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1280,900",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
]
PAGE_TIMEOUT = 30.0
# Chromium processes that share the pages. On 2 cores, 2 took 196 s where 1 took 266 s, with the
# same report line for line (2026-12-01, `--browsers 1` and `--browsers 2` one after the other).
BROWSERS = 2
MAX_SCREENSHOT_HEIGHT = 8000
REDIRECT = re.compile(r'<meta\s+http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', re.I)
# Console errors that come from the toolchain, not from the book, each with the reason it is
# harmless. Keep this list short: every entry hides a message a reader could see.
KNOWN_HARMLESS: dict[str, re.Pattern] = {
    # (empty: the duplicated sphinx-thebe script that used to log a SyntaxError on every
    # page is removed at build time by _ext/unique_scripts.py)
}

# Runs in the page once it has loaded: waits for MathJax and the images, then reports.
INSPECT_PAGE = r"""
(async () => {
  const report = {mathjax: "absent", rawTex: [], brokenImages: [], links: [], theme: null};
  const mathNodes = document.querySelectorAll(".math, mjx-container, script[type^='math/tex']");
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    report.mathjax = "typeset";
  } else if (mathNodes.length) {
    report.mathjax = "missing";
  }
  await Promise.all([...document.images].map(img => {
    img.loading = "eager";  // lazy images below the fold would otherwise never load
    return img.decode().catch(() => null);
  }));
  for (const img of document.images) {
    if (!(img.complete && img.naturalWidth > 0)) report.brokenImages.push(img.currentSrc || img.src);
  }
  // Visible text outside code: code cells may legitimately print TeX source.
  const skip = "pre, code, script, style, noscript, mjx-container, textarea, .highlight";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    if (!parent.checkVisibility()) continue;
    const text = node.textContent;
    if (/\$\$|\\begin\{|\\frac|\\\(|\\\[/.test(text)) report.rawTex.push(text.trim().slice(0, 80));
  }
  for (const a of document.querySelectorAll("a[href]")) report.links.push(a.href);
  report.theme = document.documentElement.dataset.theme || null;
  return JSON.stringify(report);
})()
"""


# Runs in the page at 1280 px once INSPECT_PAGE is done: every code output, table and display
# equation whose content reaches past the right edge of the article's text column. The width
# of an element is the larger of its box and its scrollWidth, so an element that fits only by
# scrolling inside its own box (a <pre> with overflow: auto, a table in the theme's scrolling
# container) counts as too wide. Source code (cell inputs, code blocks) is not checked: the
# theme scrolls it deliberately, and re-wrapping code would change what a reader copies.
FIT_CHECK = r"""
(() => {
  const article = document.querySelector("article.bd-article") || document.querySelector("main");
  if (!article) return JSON.stringify({column: 0, wide: []});
  const style = getComputedStyle(article);
  const box = article.getBoundingClientRect();
  const right = box.right - parseFloat(style.paddingRight);
  const column = right - (box.left + parseFloat(style.paddingLeft));
  const kinds = [
    ["output", ".cell_output pre, .cell_output img, .cell_output svg, .cell_output .output > div:not(.highlight)"],
    ["table", "table"],
    ["equation", "mjx-container[display='true'] > mjx-math"],
  ];
  const wide = [];
  const seen = new Set();
  for (const [kind, selector] of kinds) {
    for (const element of article.querySelectorAll(selector)) {
      if (seen.has(element) || !element.checkVisibility()) continue;
      seen.add(element);
      const rect = element.getBoundingClientRect();
      const width = Math.max(rect.width, element.scrollWidth);
      const past = rect.left + width - right;
      if (past <= 1) continue;
      const section = element.closest("section");
      const heading = section && section.querySelector("h1, h2, h3, h4");
      const entry = element.closest("dl.py");
      const where = entry ? entry.querySelector("dt")?.id : heading ? heading.textContent.replace(/[#¶]/g, "").trim() : "";
      const text = (element.closest("mjx-container")?.querySelector("mjx-assistive-mml")?.textContent
                    || element.textContent || element.getAttribute("src") || "").replace(/\s+/g, " ").trim();
      wide.push({kind, inOutput: !!element.closest(".cell_output"), width: Math.round(width),
                 past: Math.round(past), where: where.slice(0, 60), text: text.slice(0, 70)});
    }
  }
  return JSON.stringify({column: Math.round(column), wide});
})()
"""
# Runs on search.html?q=...: waits for Sphinx's search to finish, returns the result links.
SEARCH_RESULTS = r"""
(async () => {
  for (let i = 0; i < 400; i++) {
    // searchtools.js retitles the results "Search Results" when it has listed them all.
    if (document.querySelector("#search-results h2")?.innerText === "Search Results") break;
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return JSON.stringify([...document.querySelectorAll("#search-results ul.search li a")].map(a => a.href));
})()
"""
# What a reader types into the search box, and the API entry the results must include.
SEARCHES = {
    "mean_squared_error": "book/api/losses.html#lossguide.losses.mean_squared_error",
    "tune_learning_rate": "book/api/experiments.html#lossguide.experiments.tune_learning_rate",
    "compare": "book/api/stats.html#lossguide.stats.compare",
}
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}


class Failure(Exception):
    """The check could not run at all (no browser, no book)."""


class _Ids(html.parser.HTMLParser):
    """Collects every id (and legacy <a name>) of one HTML file."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if value and (key == "id" or (tag == "a" and key == "name")):
                self.ids.add(value)


@functools.lru_cache(maxsize=None)
def ids_in(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def find_chromium() -> str:
    candidates = [os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"]
    for name in candidates:
        if name and (found := shutil.which(name)):
            return found
    raise Failure(f"no Chromium found (tried {', '.join(c for c in candidates if c)}). {INSTALL_HINT}")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        # Chromium asks every site for /favicon.ico on its own; the book has none, and a
        # 404 for a request no page made is not the book's error.
        if self.path == "/favicon.ico" and not Path(self.directory, "favicon.ico").is_file():
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The browser drops connections it no longer needs when it leaves a page.
        pass


def serve(root: Path) -> tuple[socketserver.TCPServer, str]:
    """Serve the built book on a free loopback port, as a reader's web server would."""
    handler = functools.partial(QuietHandler, directory=str(root))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class Browser:
    """A headless Chromium and one page tab, spoken to over the DevTools protocol."""

    def __init__(self, executable: str) -> None:
        try:
            import websocket  # websocket-client
        except ImportError as error:
            raise Failure("websocket-client is missing: `pip install -r requirements.txt`") from error
        self._websocket = websocket
        self.profile = tempfile.mkdtemp(prefix="lossguide-chromium-")
        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        port = self._devtools_port()
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=PAGE_TIMEOUT,
                                                  suppress_origin=True)
        self._next_id = 0
        self.events: list[dict] = []

    def _devtools_port(self) -> int:
        # With --remote-debugging-port=0 Chromium picks a free port and writes it here.
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode(errors="replace")[-2000:]
                raise Failure(f"Chromium exited at start-up (code {self.process.returncode}):\n{error}\n{INSTALL_HINT}")
            if port_file.is_file() and port_file.read_text().strip():
                return int(port_file.read_text().split()[0])
            time.sleep(0.1)
        raise Failure("Chromium did not open its DevTools port within 30 s")

    def send(self, method: str, **params):
        self._next_id += 1
        message_id = self._next_id
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_until_loaded(self, url: str, timeout: float = PAGE_TIMEOUT) -> None:
        """Poll until the document at `url` has fired its load event."""
        deadline = time.monotonic() + timeout
        check = f"document.readyState === 'complete' && location.href === {json.dumps(url)}"
        while time.monotonic() < deadline:
            result = self.send("Runtime.evaluate", expression=check, returnByValue=True)
            if result.get("result", {}).get("value") is True:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{url} did not finish loading within {timeout:.0f} s")

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def console_errors(events: list[dict]) -> tuple[list[str], list[str]]:
    """The severe console messages (console.error, uncaught exceptions, failed loads),
    split into (errors, known harmless ones)."""
    errors = []
    for event in events:
        params = event.get("params", {})
        if event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            errors.append(f"console.{params['type']}: {args}"[:200])
        elif event["method"] == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            errors.append(f"uncaught: {text}"[:200])
        elif event["method"] == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}"[:200])
    known = [f"{reason} ({error[:60]}...)" for error in errors
             for reason, pattern in KNOWN_HARMLESS.items() if pattern.search(error)]
    unknown = [e for e in errors if not any(p.search(e) for p in KNOWN_HARMLESS.values())]
    return unknown, sorted(set(known))


def external_requests(events: list[dict], origin: str) -> list[str]:
    urls = []
    for event in events:
        if event["method"] == "Network.requestWillBeSent":
            url = event["params"]["request"]["url"]
            if not url.startswith((origin, "data:", "blob:", "about:")):
                urls.append(url)
    return urls


def broken_links(links: list[str], origin: str, root: Path) -> list[str]:
    """Internal links whose file is missing or whose #anchor is not an id in that file."""
    broken = []
    for link in links:
        if not link.startswith(origin):
            continue  # external links cannot be followed offline; the build lists them
        parsed = urllib.parse.urlsplit(link)
        relative = urllib.parse.unquote(parsed.path)[1:]
        target = root / relative
        if relative == "" or relative.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{link} (no file {target.relative_to(root)})")
            continue
        fragment = urllib.parse.unquote(parsed.fragment)
        if fragment and target.suffix == ".html" and fragment not in ids_in(target):
            broken.append(f"{link} (no id '{fragment}' in {target.relative_to(root)})")
    return sorted(set(broken))


def load(browser: Browser, url: str) -> str:
    """Open `url` in a fresh document; return the page report as JSON text."""
    browser.events.clear()
    browser.send("Page.navigate", url=url)
    browser.wait_until_loaded(url)
    result = browser.send("Runtime.evaluate", expression=INSPECT_PAGE, awaitPromise=True,
                          returnByValue=True, timeout=PAGE_TIMEOUT * 1000)
    if "exceptionDetails" in result:
        raise RuntimeError(f"inspection script failed: {result['exceptionDetails'].get('text')}")
    return result["result"]["value"]


def screenshot(browser: Browser, path: Path, width: int = 1280) -> None:
    # The theme scrolls the sidebar's current entry into view, which can also scroll the
    # document sideways while the page settles: shoot the page as a reader first sees it.
    browser.send("Runtime.evaluate", expression=(
        "window.scrollTo(0, 0); for (const e of document.querySelectorAll('*'))"
        " if (e.scrollLeft) e.scrollLeft = 0;"))
    metrics = browser.send("Page.getLayoutMetrics")
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    height = min(int(size["height"]), MAX_SCREENSHOT_HEIGHT)
    # optimizeForSpeed: a faster, larger PNG (about 30 % of the check's time goes to these).
    shot = browser.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        optimizeForSpeed=True,
                        clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def pages_of(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*.html")
        if not any(part.startswith("_") for part in p.relative_to(root).parts[:-1])
    )


def check_modes(browser: Browser, pages: list[Path], root: Path, origin: str, shots: Path,
                say) -> tuple[int, int, int]:
    """Light and dark mode at 1280 px, then 390 px, for ``pages`` in one browser.

    Returns (passed, failed, elements too wide); every line of the report goes to ``say``.
    """
    passed = failed = too_wide = 0
    browser.send("Page.enable")
    browser.send("Runtime.enable")
    browser.send("Log.enable")
    browser.send("Network.enable")
    browser.send("Network.setCacheDisabled", cacheDisabled=True)
    for mode in ("light", "dark", "phone"):
        theme = "dark" if mode == "dark" else "light"
        viewport = PHONE if mode == "phone" else DESKTOP
        browser.send("Emulation.setDeviceMetricsOverride", **viewport)
        # The pydata theme reads its colour mode from localStorage before painting.
        script = f'localStorage.setItem("mode", "{theme}"); localStorage.setItem("theme", "{theme}");'
        added = browser.send("Page.addScriptToEvaluateOnNewDocument", source=script)
        for page in pages:
            name = page.relative_to(root).as_posix()
            problems: list[str] = []
            redirect = REDIRECT.search(page.read_text(encoding="utf-8", errors="replace")[:2000])
            if redirect:
                if mode == "phone":
                    continue  # nothing to see: checked in the two desktop passes
                # A bare redirect (the root index.html): only its target needs to exist.
                target = urllib.parse.urljoin(origin + name, redirect.group(1))
                problems = broken_links([target], origin, root)
                status = "FAIL" if problems else "ok  "
                passed, failed = passed + (not problems), failed + bool(problems)
                say(f"{status} {mode:5} {name} (redirect to {redirect.group(1)})")
                for problem in problems:
                    say(f"     broken redirect: {problem}")
                continue
            notes: list[str] = []
            try:
                report = json.loads(load(browser, origin + name))
                problems += [f"request left the machine: {u}" for u in external_requests(browser.events, origin)]
                errors, notes = console_errors(browser.events)
                problems += [f"console: {e}" for e in errors]
                if report["theme"] != theme:
                    problems.append(f"theme is {report['theme']!r}, expected {theme!r}")
                if mode == "light":
                    if report["mathjax"] == "missing":
                        problems.append("the page has math but MathJax did not load")
                    problems += [f"raw TeX left: {t!r}" for t in report["rawTex"]]
                    problems += [f"image did not load: {src}" for src in report["brokenImages"]]
                    problems += [f"broken link: {b}" for b in broken_links(report["links"], origin, root)]
                    fit = evaluate(browser, FIT_CHECK)
                    for item in fit["wide"]:
                        too_wide += 1
                        kind = "output " + item["kind"] if item["inOutput"] and item["kind"] != "output" else item["kind"]
                        problems.append(
                            f"too wide at 1280 px: {kind} {item['width']} px reaches {item['past']} px "
                            f"past the {fit['column']} px column"
                            + (f" (in {item['where']!r})" if item["where"] else "")
                            + f": {item['text']!r}")
                folder = {"light": shots, "dark": shots / "dark", "phone": shots / "phone"}[mode]
                screenshot(browser, folder / (Path(name).with_suffix(".png").as_posix().replace("/", "__")),
                           width=viewport["width"])
            except Exception as error:  # a hung or crashed page is a failed page, not a crash
                problems.append(f"{type(error).__name__}: {error}")
            if problems:
                failed += 1
                say(f"FAIL {mode:5} {name}")
                for problem in problems:
                    say(f"     {problem}")
            else:
                passed += 1
                extra = f" (math: {report['mathjax']}, {len(report['links'])} links, fits)" if mode == "light" else ""
                say(f"ok   {mode:5} {name}{extra}")
            for note in notes:
                say(f"     known, harmless: {note}")
        browser.send("Page.removeScriptToEvaluateOnNewDocument", identifier=added["identifier"])
    return passed, failed, too_wide


def check_pages(root: Path, shots: Path, browsers: int = BROWSERS) -> int:
    """The browser check proper: every page in light and dark mode at 1280 px, then at 390 px.

    The pages are dealt to ``browsers`` Chromium processes that run side by side; each
    browser's report is printed whole, one after the other.
    """
    wanted, browsers = browsers, []
    try:
        if not (root / "index.html").is_file():
            raise Failure(f"{root} holds no index.html: build the book first (`make book`)")
        pages = pages_of(root)
        executable = find_chromium()
        for _ in range(max(1, min(wanted, len(pages)))):
            browsers.append(Browser(executable))
    except Failure as error:
        for browser in browsers:
            browser.close()
        print(f"browser check cannot run: {error}", file=sys.stderr)
        return 2

    server, origin = serve(root)
    passed = failed = too_wide = 0
    try:
        reports: list[list[str]] = [[] for _ in browsers]
        counts: list[tuple[int, int, int]] = [(0, 1, 0)] * len(browsers)  # a crash is a failure

        def work(i: int) -> None:
            try:
                counts[i] = check_modes(browsers[i], pages[i::len(browsers)], root, origin, shots,
                                        reports[i].append)
            except Exception as error:  # a dead browser fails the check, it does not hang it
                reports[i].append(f"FAIL browser {i}: {type(error).__name__}: {error}")

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(browsers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for report, (p, f, w) in zip(reports, counts):
            print("\n".join(report))
            passed, failed, too_wide = passed + p, failed + f, too_wide + w
        browser = browsers[0]
        # The API reference: every public name has an entry, and the search box finds it.
        browser.send("Emulation.setDeviceMetricsOverride", **DESKTOP)
        checked, problems = api_problems(root)
        problems += address_problems(root)
        for term, entry in SEARCHES.items():
            try:
                url = origin + "search.html?q=" + urllib.parse.quote(term)
                browser.send("Page.navigate", url=url)
                browser.wait_until_loaded(url)
                found = evaluate(browser, SEARCH_RESULTS)
                if origin + entry not in found:
                    problems.append(f"searching {term!r} does not list {entry} (first results: {found[:3]})")
            except Exception as error:
                problems.append(f"searching {term!r}: {type(error).__name__}: {error}")
        status = "FAIL" if problems else "ok  "
        passed, failed = passed + (not problems), failed + bool(problems)
        print(f"{status} api   {checked} public names: an entry each, all in the search index; "
              f"{len(SEARCHES)} searches find their entry; How to cite gives the configured addresses")
        for problem in problems:
            print(f"     {problem}")
    finally:
        for browser in browsers:
            browser.close()
        server.shutdown()
    print(f"screenshots: {shots} (dark mode in {shots / 'dark'}, 390 px in {shots / 'phone'})")
    if too_wide:
        print(f"{too_wide} element(s) wider than the text column at 1280 px (listed above)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


def api_problems(root: Path) -> tuple[int, list[str]]:
    """Every public name of every module with an API page (book/api/<module>.rst) has its
    entry (an id) on a page of the built book and is in the search index, so the search box
    finds it. Returns (names checked, problems)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
    from api_reference import import_module, public_names

    ids = {page.relative_to(root).as_posix(): ids_in(page) for page in (root / "book" / "api").glob("*.html")}
    every_id = set().union(*ids.values()) if ids else set()
    index_text = (root / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(index_text[index_text.index("(") + 1:index_text.rindex(")")])
    searchable = {f"{prefix}.{entry[4]}" if prefix else entry[4]
                  for prefix, entries in index["objects"].items() for entry in entries}
    problems, checked = [], 0
    for source in sorted((Path(__file__).resolve().parents[1] / "book" / "api").glob("*.rst")):
        match = re.search(r"^\.\. lossguide-module:: (\S+)", source.read_text(encoding="utf-8"), re.M)
        if not match:
            continue
        module = import_module(match.group(1))
        page = f"book/api/{source.stem}.html"
        if page not in ids:
            problems.append(f"{page} was not built")
            continue
        for name in public_names(module):
            value = getattr(module, name, None)
            if isinstance(value, types.ModuleType):
                full = value.__name__
                wanted = f"module-{full}"
            else:
                full = f"{module.__name__}.{name}"
                home = f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', name)}"
                # lg.recommend is lossguide.recommend.recommend: documented once, at home.
                wanted = full if full in ids[page] or home not in every_id else home
            checked += 1
            if wanted not in every_id:
                problems.append(f"{full}: no entry on {page}")
            elif wanted.removeprefix("module-") not in searchable:
                problems.append(f"{full}: not in the search index")
    return checked, problems


def address_problems(root: Path) -> list[str]:
    """The built "How to cite" page gives the addresses _config.yml's repository.url implies."""
    import yaml

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
    from repository_links import PDF_NAME, PLACEHOLDER, book_url_for

    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "_config.yml").read_text(encoding="utf-8"))
    repository = config["repository"]["url"].rstrip("/")
    book = book_url_for(repository, (config.get("html") or {}).get("baseurl", ""))
    page = root / "book" / "how_to_cite.html"
    if not page.is_file():
        return [f"{page.relative_to(root)} was not built"]
    text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
    problems = [f"how_to_cite.html does not give {address}"
                for address in (repository, f"{repository}/blob/", book, book + PDF_NAME) if address not in text]
    problems += [f"how_to_cite.html: placeholder left: {m.group(0)}" for m in PLACEHOLDER.finditer(text)]
    return problems


def evaluate(browser: Browser, expression: str, timeout: float = PAGE_TIMEOUT):
    """Run a script that returns JSON text in the page; return the decoded value."""
    result = browser.send("Runtime.evaluate", expression=expression, awaitPromise=True,
                          returnByValue=True, timeout=timeout * 1000)
    if "exceptionDetails" in result:
        raise RuntimeError(f"page script failed: {result['exceptionDetails'].get('text')}")
    return json.loads(result["result"]["value"])


# ------------------------------------------------------------------ make pdf

# Runs in the single-page book before printing. Links to an id of this document become
# "#id" (Chromium turns those into links inside the PDF; Sphinx's singlehtml writes some as
# "book/intro.html#id" relative to the wrong folder). Links to other files of the book (a
# notebook download, the index) point at the published book; outside links stay as they are.
PREPARE_PRINT = r"""
((bookUrl) => {
  const counts = {internal: 0, published: 0, external: 0, unresolved: []};
  for (const a of document.querySelectorAll("a[href]")) {
    const url = new URL(a.getAttribute("href"), location.href);
    if (url.origin !== location.origin) { counts.external++; continue; }
    const id = decodeURIComponent(url.hash.slice(1));
    if (id && document.getElementById(id)) {
      a.setAttribute("href", url.hash);
      counts.internal++;
    } else if (url.pathname === location.pathname) {
      if (id) counts.unresolved.push(url.hash);
      a.removeAttribute("href");
    } else if (bookUrl) {
      a.setAttribute("href", bookUrl + url.pathname.replace(/^\/+/, "") + url.hash);
      counts.published++;
    } else {
      a.removeAttribute("href");
    }
  }
  for (const details of document.querySelectorAll("details")) details.open = true;
  return JSON.stringify(counts);
})
"""
A4 = {"paperWidth": 8.27, "paperHeight": 11.69}
FOOTER = ('<div style="font-size: 8px; width: 100%; text-align: center; color: #555;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def published_book_url() -> str:
    """The book's published address, derived from _config.yml as the book build derives it."""
    import yaml

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
    from repository_links import book_url_for

    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "_config.yml").read_text(encoding="utf-8"))
    return book_url_for(config.get("repository", {}).get("url", ""), (config.get("html") or {}).get("baseurl", ""))


def print_pdf(root: Path, out: Path) -> int:
    """Print the single-page build under `root` to `out`; 0 on success."""
    try:
        index = root / "index.html"
        if not index.is_file():
            raise Failure(f"{root} holds no index.html: build it first (`make pdf` does)")
        redirect = REDIRECT.search(index.read_text(encoding="utf-8", errors="replace")[:2000])
        page = "index.html"
        if redirect:
            # Sphinx writes the single page at the root document's path (book/intro.html) but
            # its image, style and script addresses relative to the build's root: read it there.
            page = "lossguide-book.html"
            shutil.copyfile(root / urllib.parse.unquote(redirect.group(1)), root / page)
        browser = Browser(find_chromium())
    except Failure as error:
        print(f"make pdf cannot run: {error}", file=sys.stderr)
        return 2
    server, origin = serve(root)
    started = time.monotonic()
    try:
        browser.socket.settimeout(600)
        browser.send("Page.enable")
        browser.send("Runtime.enable")
        browser.send("Network.enable")
        browser.send("Page.addScriptToEvaluateOnNewDocument",
                     source='localStorage.setItem("mode", "light"); localStorage.setItem("theme", "light");')
        browser.events.clear()
        url = urllib.parse.urljoin(origin, page)
        browser.send("Page.navigate", url=url)
        browser.wait_until_loaded(url, timeout=300)
        report = evaluate(browser, INSPECT_PAGE, timeout=600)
        problems = [f"request left the machine: {u}" for u in external_requests(browser.events, origin)]
        if report["mathjax"] != "typeset":
            problems.append(f"MathJax: {report['mathjax']}")
        problems += [f"image did not load: {src}" for src in report["brokenImages"]]
        problems += [f"raw TeX left: {t!r}" for t in report["rawTex"]]
        links = evaluate(browser, f"{PREPARE_PRINT}({json.dumps(published_book_url())})")
        problems += [f"link to an id the book does not have: {h}" for h in links["unresolved"]]
        if problems:
            for problem in problems:
                print(f"make pdf: {problem}", file=sys.stderr)
            return 1
        result = browser.send("Page.printToPDF", printBackground=True, preferCSSPageSize=False, **A4,
                              marginTop=0.55, marginBottom=0.6, marginLeft=0.5, marginRight=0.5,
                              displayHeaderFooter=True, headerTemplate="<span></span>",
                              footerTemplate=FOOTER, generateDocumentOutline=True,
                              transferMode="ReturnAsStream")
        data = bytearray()
        while True:
            chunk = browser.send("IO.read", handle=result["stream"], size=1 << 20)
            data += base64.b64decode(chunk["data"]) if chunk.get("base64Encoded") else chunk["data"].encode("latin-1")
            if chunk.get("eof"):
                break
        browser.send("IO.close", handle=result["stream"])
    finally:
        browser.close()
        server.shutdown()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(bytes(data))
    print(f"make pdf: {out} ({len(data) / 1e6:.1f} MB; {links['internal']} links inside the PDF, "
          f"{links['published']} to the published book, {links['external']} external) "
          f"printed in {time.monotonic() - started:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built book, e.g. _build/html (or _build/singlehtml)")
    parser.add_argument("--screenshots", type=Path, default=None,
                        help="where to save screenshots (default: <html>/../screenshots)")
    parser.add_argument("--print-pdf", type=Path, default=None, metavar="OUT",
                        help="print the single-page build in HTML to this PDF instead of checking pages")
    parser.add_argument("--browsers", type=int, default=BROWSERS, metavar="N",
                        help=f"Chromium processes sharing the pages (default {BROWSERS})")
    options = parser.parse_args(argv)
    if options.browsers < 1:
        parser.error(f"--browsers must be at least 1, got {options.browsers}")
    root = options.html.resolve()
    if options.print_pdf:
        return print_pdf(root, options.print_pdf.resolve())
    shots = (options.screenshots or root.parent / "screenshots").resolve()
    return check_pages(root, shots, browsers=options.browsers)


if __name__ == "__main__":
    sys.exit(main())
