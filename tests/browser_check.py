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
- no request left the machine (anything but the local server, ``data:`` or ``blob:`` fails).

It saves a full-page screenshot in light mode under ``_build/screenshots/`` and one in dark
mode under ``_build/screenshots/dark/``, prints one line per page and a final
``N passed, M failed`` line, and exits 1 if any page failed (2 if it cannot run at all).

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


def screenshot(browser: Browser, path: Path) -> None:
    metrics = browser.send("Page.getLayoutMetrics")
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    height = min(int(size["height"]), MAX_SCREENSHOT_HEIGHT)
    shot = browser.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def pages_of(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*.html")
        if not any(part.startswith("_") for part in p.relative_to(root).parts[:-1])
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built book, e.g. _build/html")
    parser.add_argument("--screenshots", type=Path, default=None,
                        help="where to save screenshots (default: <html>/../screenshots)")
    options = parser.parse_args(argv)
    root = options.html.resolve()
    shots = (options.screenshots or root.parent / "screenshots").resolve()
    try:
        if not (root / "index.html").is_file():
            raise Failure(f"{root} holds no index.html: build the book first (`make book`)")
        pages = pages_of(root)
        executable = find_chromium()
        browser = Browser(executable)
    except Failure as error:
        print(f"browser check cannot run: {error}", file=sys.stderr)
        return 2

    server, origin = serve(root)
    passed = failed = 0
    try:
        browser.send("Page.enable")
        browser.send("Runtime.enable")
        browser.send("Log.enable")
        browser.send("Network.enable")
        browser.send("Network.setCacheDisabled", cacheDisabled=True)
        browser.send("Emulation.setDeviceMetricsOverride", width=1280, height=900,
                     deviceScaleFactor=1, mobile=False)
        for mode in ("light", "dark"):
            # The pydata theme reads its colour mode from localStorage before painting.
            script = f'localStorage.setItem("mode", "{mode}"); localStorage.setItem("theme", "{mode}");'
            added = browser.send("Page.addScriptToEvaluateOnNewDocument", source=script)
            for page in pages:
                name = page.relative_to(root).as_posix()
                problems: list[str] = []
                redirect = REDIRECT.search(page.read_text(encoding="utf-8", errors="replace")[:2000])
                if redirect:
                    # A bare redirect (the root index.html): only its target needs to exist.
                    target = urllib.parse.urljoin(origin + name, redirect.group(1))
                    problems = broken_links([target], origin, root)
                    status = "FAIL" if problems else "ok  "
                    passed, failed = passed + (not problems), failed + bool(problems)
                    print(f"{status} {mode:5} {name} (redirect to {redirect.group(1)})")
                    for problem in problems:
                        print(f"     broken redirect: {problem}")
                    continue
                notes: list[str] = []
                try:
                    report = json.loads(load(browser, origin + name))
                    problems += [f"request left the machine: {u}" for u in external_requests(browser.events, origin)]
                    errors, notes = console_errors(browser.events)
                    problems += [f"console: {e}" for e in errors]
                    if report["theme"] != mode:
                        problems.append(f"theme is {report['theme']!r}, expected {mode!r}")
                    if mode == "light":
                        if report["mathjax"] == "missing":
                            problems.append("the page has math but MathJax did not load")
                        problems += [f"raw TeX left: {t!r}" for t in report["rawTex"]]
                        problems += [f"image did not load: {src}" for src in report["brokenImages"]]
                        problems += [f"broken link: {b}" for b in broken_links(report["links"], origin, root)]
                    folder = shots if mode == "light" else shots / "dark"
                    screenshot(browser, folder / (Path(name).with_suffix(".png").as_posix().replace("/", "__")))
                except Exception as error:  # a hung or crashed page is a failed page, not a crash
                    problems.append(f"{type(error).__name__}: {error}")
                if problems:
                    failed += 1
                    print(f"FAIL {mode:5} {name}")
                    for problem in problems:
                        print(f"     {problem}")
                else:
                    passed += 1
                    extra = f" (math: {report['mathjax']}, {len(report['links'])} links)" if mode == "light" else ""
                    print(f"ok   {mode:5} {name}{extra}")
                for note in notes:
                    print(f"     known, harmless: {note}")
            browser.send("Page.removeScriptToEvaluateOnNewDocument", identifier=added["identifier"])
    finally:
        browser.close()
        server.shutdown()
    print(f"screenshots: {shots} (dark mode in {shots / 'dark'})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
