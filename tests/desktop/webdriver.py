"""A minimal W3C WebDriver client for the real Gatewatch window, standard library only.

`tauri-driver` stands between us and WebKitGTK's `WebKitWebDriver`: creating a session launches
the app binary named in `tauri:options`, deleting it closes the app. Desktop end-to-end tests
import this module (put `tests/desktop` on `sys.path`):

    with TauriDriver() as driver, driver.session(app_binary) as session:
        element = session.wait_for_element("css selector", '[data-testid="app-version"]')
        assert session.text(element) == "0.1.0"

Every wait is bounded and polls a condition; none sleeps for a fixed time hoping it is enough.
"""

from __future__ import annotations

import base64
from http.client import RemoteDisconnected
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Optional, TypeVar

# The key under which W3C WebDriver returns an element reference.
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
POLL_INTERVAL_S = 0.1

T = TypeVar("T")


class WebDriverError(Exception):
    """An error answer from the driver, or a wait that ran out of time."""


def wait_until(what: str, probe: Callable[[], Optional[T]], timeout_s: float) -> T:
    """Calls `probe` until it returns something other than None, or fails after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    last_error: Optional[Exception] = None
    while True:
        try:
            value = probe()
            if value is not None:
                return value
        except (WebDriverError, OSError) as error:
            last_error = error
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise WebDriverError(f"timed out after {timeout_s:.0f}s waiting for {what}{detail}")
        time.sleep(POLL_INTERVAL_S)


def free_port() -> int:
    """A port the kernel just handed out on 127.0.0.1 (tauri-driver cannot report one back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: Any = None, timeout_s: float = 60, retries: int = 2) -> Any:
    """One JSON request; returns the answer's `value`, raises WebDriverError on an error answer.

    tauri-driver forwards each request over a pooled keep-alive connection to WebKitWebDriver;
    when WebKitWebDriver has closed that connection, tauri-driver drops ours without an answer
    ("Remote end closed connection"). The request never reached the browser, so it is sent
    again, at most `retries` times.
    """
    data = None if body is None else json.dumps(body).encode()
    for attempt in range(retries + 1):
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                payload = json.loads(response.read() or b"{}")
            break
        except urllib.error.HTTPError as error:
            try:
                value = json.loads(error.read() or b"{}").get("value", {})
            except ValueError:
                value = {}
            message = value.get("message") if isinstance(value, dict) else None
            raise WebDriverError(f"{method} {url}: HTTP {error.code}: {message or value}") from None
        except (RemoteDisconnected, ConnectionResetError):
            if attempt == retries:
                raise
    return payload.get("value") if isinstance(payload, dict) else payload


class Session:
    """One WebDriver session, i.e. one running instance of the app."""

    def __init__(self, base_url: str, session_id: str) -> None:
        self.url = f"{base_url}/session/{session_id}"
        self.session_id = session_id

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.delete()

    def delete(self) -> None:
        """Ends the session, which closes the app. Safe to call twice."""
        if self.session_id:
            try:
                http("DELETE", self.url)
            finally:
                self.session_id = ""

    def find(self, using: str, value: str) -> str:
        """The first element matching (`css selector` | `xpath` | …, value); raises if none."""
        found = http("POST", f"{self.url}/element", {"using": using, "value": value})
        if not isinstance(found, dict) or ELEMENT_KEY not in found:
            raise WebDriverError(f"no element reference in {found!r}")
        return found[ELEMENT_KEY]

    def wait_for_element(self, using: str, value: str, timeout_s: float = 30) -> str:
        """Polls `find` until the page has rendered the element."""
        return wait_until(f"element {value}", lambda: self.find(using, value), timeout_s)

    def text(self, element: str) -> str:
        """The element's rendered text."""
        return str(http("GET", f"{self.url}/element/{element}/text"))

    def wait_for_text(
        self, element_query: tuple[str, str], accept: Callable[[str], bool], timeout_s: float = 30
    ) -> str:
        """Polls the element's text until `accept(text)`; re-finds it each time, since a
        framework may replace the node when its data arrives."""

        def probe() -> Optional[str]:
            text = self.text(self.find(*element_query))
            return text if accept(text) else None

        return wait_until(f"accepted text in {element_query[1]}", probe, timeout_s)

    def execute(self, script: str, *args: Any) -> Any:
        """Runs `script` (a function body; `arguments` holds `args`) in the page."""
        return http("POST", f"{self.url}/execute/sync", {"script": script, "args": list(args)})

    def title(self) -> str:
        """The document title."""
        return str(http("GET", f"{self.url}/title"))

    def screenshot(self, path: str) -> None:
        """Saves what the webview shows as a PNG."""
        png = base64.b64decode(str(http("GET", f"{self.url}/screenshot")))
        with open(path, "wb") as out:
            out.write(png)


class TauriDriver:
    """Runs `tauri-driver` (which runs `WebKitWebDriver`) on free ports for the `with` block."""

    def __init__(self, binary: Optional[str] = None, log_path: Optional[str] = None) -> None:
        self.binary = binary or shutil.which("tauri-driver") or os.path.expanduser(
            "~/.cargo/bin/tauri-driver"
        )
        self.port = free_port()
        self.native_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: Optional[subprocess.Popen[bytes]] = None

    def __enter__(self) -> "TauriDriver":
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--native-port", str(self.native_port)],
            stdout=log,
            stderr=log,
        )
        wait_until("tauri-driver to accept connections", self._ready, timeout_s=30)
        return self

    def _ready(self) -> Optional[bool]:
        if self.process is not None and self.process.poll() is not None:
            raise WebDriverError(f"tauri-driver exited with {self.process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return None

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def session(self, application: str, timeout_s: float = 90) -> Session:
        """Launches `application` (an absolute path) in a new session."""
        capabilities = {
            "capabilities": {
                "alwaysMatch": {"tauri:options": {"application": os.path.abspath(application)}}
            }
        }
        # tauri-driver answers once WebKitWebDriver is up and the app has started; the first
        # request may be refused while WebKitWebDriver itself is still starting.
        created = wait_until(
            "a WebDriver session",
            lambda: http(
                "POST", f"{self.base_url}/session", capabilities, timeout_s=timeout_s, retries=0
            ),
            timeout_s,
        )
        if not isinstance(created, dict) or "sessionId" not in created:
            raise WebDriverError(f"unexpected new-session answer {created!r}")
        return Session(self.base_url, created["sessionId"])
