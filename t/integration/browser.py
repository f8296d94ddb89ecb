"""Headless Chromium for the tests, driven through Debian's chromedriver
over the W3C WebDriver protocol (plain HTTP, with requests: no client
library to install).  The browser reaches only the loopback servers the
test names; its own background traffic is switched off."""
import base64
import os
import shutil
import subprocess
import tempfile
import time

import requests

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"

ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu",
    "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-default-apps", "--disable-extensions",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    "--hide-scrollbars", "--window-size=1280,1000",
]


class Browser:
    def __init__(self, log_path, port):
        self.profile = tempfile.mkdtemp(prefix="marketpulse-chromium-")
        self.proc = subprocess.Popen(
            [CHROMEDRIVER, "--port=%d" % port, "--log-path=" + log_path],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = "http://127.0.0.1:%d" % port
        self.session = None
        self._wait_ready()
        caps = {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM, "args": ARGS + ["--user-data-dir=" + self.profile]}}
        value = self._call("POST", "/session",
                           {"capabilities": {"alwaysMatch": caps}})
        self.session = "/session/" + value["sessionId"]

    def _wait_ready(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/status", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError("chromedriver did not start")

    def _call(self, method, path, body=None):
        r = requests.request(method, self.base + path, json=body, timeout=60)
        value = r.json().get("value")
        if not r.ok:
            raise RuntimeError("WebDriver %s %s: %s" % (method, path, value))
        return value

    def open(self, url):
        self._call("POST", self.session + "/url", {"url": url})

    def run(self, script, *args):
        """The value of a JavaScript function body run in the page."""
        return self._call("POST", self.session + "/execute/sync",
                          {"script": script, "args": list(args)})

    def wait_for(self, script, timeout=30.0, *args):
        """Runs script until it returns something true; returns that, or
        the last value when time ran out."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.run(script, *args)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.2)

    def screenshot(self, path, full_page=True):
        """A PNG of the page; full_page first makes the window as tall as
        the page (WebDriver captures the window only)."""
        if full_page:
            height = self.run("return document.documentElement.scrollHeight;")
            self._call("POST", self.session + "/window/rect",
                       {"width": 1280, "height": min(int(height) + 100, 16000)})
        png = self._call("GET", self.session + "/screenshot")
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))
        return path

    def quit(self):
        try:
            if self.session:
                self._call("DELETE", self.session)
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            shutil.rmtree(self.profile, ignore_errors=True)


def available():
    return os.access(CHROMEDRIVER, os.X_OK) and os.access(CHROMIUM, os.X_OK)
