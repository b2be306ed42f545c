"""Headless Chromium driven over the DevTools protocol, for the HTML report's browser tests.

Just enough of the protocol to load a page at a given width, run JavaScript in it (axe-core,
layout measurements), print it and take a screenshot: a websocket and a few commands, no
browser download (the system's /usr/bin/chromium).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from support import IN_CI

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Evaluated after axe_source() in a page: the WCAG 2.1 A/AA violations (first nodes of each)
# and the rules that passed.
AXE_RUN = (
    f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(WCAG_TAGS)}}}}})"
    ".then(r => ({violations: r.violations.map(v => ({id: v.id, help: v.help, "
    "nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})), "
    "passes: r.passes.map(p => p.id)}))"
)


def axe_source() -> str:
    """axe-core's script (tests/a11y, installed with npm); CI fails without it, elsewhere the
    test is skipped."""
    if AXE.is_file():
        return AXE.read_text(encoding="utf-8")
    reason = f"axe-core is not installed: npm install --prefix {AXE.parents[2]}"
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "chromium is not installed (apt-get install -y chromium)"
    if IN_CI:
        pytest.fail(f"the HTML report must be checked in a browser in CI: {reason}")
    pytest.skip(reason)


class Page:
    """One tab of a headless Chromium, commands sent and answered over its websocket."""

    def __init__(self, socket: Any) -> None:
        self._socket = socket
        self._next = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        self._socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=120))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def open(self, url: str, width: int, height: int = 900) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        self.send("Page.enable")
        self.send("Page.navigate", url=url)
        # Loaded when the document is complete (the page has no script and no subresource).
        for _ in range(200):
            if self.evaluate("document.readyState") == "complete":
                return
            time.sleep(0.05)
        raise RuntimeError(f"{url} did not load")

    def evaluate(self, expression: str, *, wait: bool = False) -> Any:
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=wait
        )
        if "exceptionDetails" in result:
            raise RuntimeError(json.dumps(result["exceptionDetails"])[:2000])
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        width = self.evaluate("document.documentElement.scrollWidth")
        height = self.evaluate("document.documentElement.scrollHeight")
        data = self.send(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": min(height, 16000), "scale": 1},
        )["data"]
        path.write_bytes(base64.b64decode(data))

    def pdf(self) -> bytes:
        data = self.send(
            "Page.printToPDF",
            paperWidth=8.27,
            paperHeight=11.69,
            preferCSSPageSize=True,
            printBackground=True,
        )["data"]
        return base64.b64decode(data)


@contextmanager
def chromium(*, bypass_csp: bool = False) -> Iterator[Page]:
    """A headless Chromium with one page; `bypass_csp` lets a test inject a script (axe-core)
    into a page whose Content-Security-Policy forbids every script."""
    from websockets.sync.client import connect

    binary = chromium_binary()
    with tempfile.TemporaryDirectory(prefix="tracker-chromium-") as profile:
        process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # Its own process group: the helpers it starts (zygote, renderers, crashpad) are
            # ended with it, before its profile folder is removed (else "Directory not empty").
            start_new_session=True,
        )
        try:
            assert process.stderr is not None
            endpoint = None
            for line in process.stderr:
                found = re.search(r"DevTools listening on (ws://\S+)", line)
                if found:
                    endpoint = found.group(1)
                    break
            if endpoint is None:
                raise RuntimeError("chromium did not start its DevTools endpoint")
            port = endpoint.split(":")[2].split("/")[0]
            with connect(endpoint, max_size=2**28) as browser:
                browser_page = Page(browser)
                target = browser_page.send("Target.createTarget", url="about:blank")["targetId"]
            with connect(f"ws://127.0.0.1:{port}/devtools/page/{target}", max_size=2**28) as socket:
                page = Page(socket)
                if bypass_csp:
                    page.send("Page.setBypassCSP", enabled=True)
                yield page
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
