"""webdriver.py - drives Debian's headless Chromium through chromedriver, for
the HTML report's browser tests.

A small client of the W3C WebDriver protocol (JSON over HTTP, standard
library only): it starts chromedriver on a free loopback port, opens one
headless Chromium session with its console and network logs on, and offers
what the tests need: load a page, run a script, find and click elements,
read the browser's console messages and the requests the page made.

Browser.available() says whether chromium and chromedriver are installed;
a test that cannot run without them exits 77 (skipped).
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM = os.environ.get("NMX_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("NMX_CHROMEDRIVER", "/usr/bin/chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C element reference key


class WebDriverError(RuntimeError):
    pass


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    @staticmethod
    def available():
        return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)

    def __init__(self, width=1280, height=1000):
        self.profile = tempfile.mkdtemp(prefix="nmx-chromium-")
        # chromedriver and Chromium get a temporary directory of their own:
        # Chromium leaves org.chromium.Chromium.scoped_dir.* behind when it
        # is stopped before it cleans up, and close() removes it all.
        self.tmp = tempfile.mkdtemp(prefix="nmx-chromium-tmp-")
        self.port = _free_port()
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, "--port=%d" % self.port, "--allowed-ips=127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, TMPDIR=self.tmp))
        self.base = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 30
        while True:
            try:
                self._call("GET", "/status")
                break
            except (OSError, WebDriverError):
                if time.time() > deadline or self.driver.poll() is not None:
                    self.close()
                    raise WebDriverError("chromedriver did not start")
                time.sleep(0.1)
        args = ["--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-sync", "--disable-component-update", "--user-data-dir=" + self.profile,
                "--window-size=%d,%d" % (width, height)]
        if os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"},
        }}}
        try:
            self.session = self._call("POST", "/session", caps)["sessionId"]
            # Generous limits: the machines that run the tests are shared and can be slow.
            self._call("POST", self._s("/timeouts"), {"script": 120000, "pageLoad": 120000})
        except Exception:
            self.close()
            raise

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                reply = json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            try:
                reply = json.loads(e.read().decode())
            except ValueError:
                raise WebDriverError("%s %s: HTTP %d" % (method, path, e.code))
            raise WebDriverError("%s %s: %s" % (method, path, reply.get("value", {}).get("message", reply)))
        return reply.get("value", reply) if path != "/session" else reply["value"]

    def _s(self, path):
        return "/session/%s%s" % (self.session, path)

    def get(self, url):
        self._call("POST", self._s("/url"), {"url": url})

    def run(self, script, *args):
        """Runs `script` (a function body) in the page; returns what it returns."""
        return self._call("POST", self._s("/execute/sync"), {"script": script, "args": list(args)})

    def find(self, css):
        return self._call("POST", self._s("/element"), {"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css):
        return [e[ELEMENT] for e in self._call("POST", self._s("/elements"), {"using": "css selector", "value": css})]

    def click(self, element):
        self._call("POST", self._s("/element/%s/click" % element), {})

    def scroll_into_view(self, css):
        self.run("document.querySelector(arguments[0]).scrollIntoView({block: 'center'});", css)

    def console(self):
        """The browser's console messages since the last call: [{level, message}]."""
        return self._call("POST", self._s("/se/log"), {"type": "browser"})

    def requests(self, document=None):
        """URLs of the requests made since the last call (from the network
        log); with `document`, only those of that document and its frames
        (the browser's own pages, such as its new-tab page, are left out)."""
        urls = []
        for entry in self._call("POST", self._s("/se/log"), {"type": "performance"}):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") != "Network.requestWillBeSent":
                continue
            doc = msg["params"].get("documentURL", "")
            if document is None or doc == document or doc.startswith("about:"):
                urls.append(msg["params"]["request"]["url"])
        return urls

    def screenshot(self, path):
        import base64
        png = self._call("GET", self._s("/screenshot"))
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))

    def close(self):
        try:
            if getattr(self, "session", None):
                self._call("DELETE", self._s(""))
        except Exception:
            pass
        if self.driver.poll() is None:
            self.driver.terminate()
            try:
                self.driver.wait(10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
                self.driver.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
