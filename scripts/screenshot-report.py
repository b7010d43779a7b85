#!/usr/bin/python3
"""screenshot-report.py - the README's picture of the HTML report.

    scripts/screenshot-report.py REPORT.html OUT.png [ARTICLE]

Opens REPORT.html (for the README: the demo's nmexpert-demo.html) in
Debian's headless Chromium through chromedriver (tests/e2e/webdriver.py),
selects the first event of ARTICLE (a module name, default tcpretrans) so
that its Event Reference Page shows, and saves a 1280 x 1100 screenshot
that starts at that expert.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from webdriver import Browser  # noqa: E402

if len(sys.argv) < 3:
    sys.exit(__doc__)
page, out = os.path.abspath(sys.argv[1]), sys.argv[2]
module = sys.argv[3] if len(sys.argv) > 3 else "tcpretrans"
with Browser(1280, 1100) as b:
    b.get("file://" + page)
    time.sleep(0.5)
    art = "article[data-module=%s]" % module
    b.click(b.find(art + " .slab .tr"))
    b.run("document.querySelector(arguments[0]).scrollIntoView({block: 'start'});", art)
    time.sleep(0.3)
    b.screenshot(out)
print("wrote " + out)
