#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# The HTML slideshow in a real browser: exports erratum-383's slideshow with tlblab-cli, opens it in
# headless Chromium (Debian chromium + chromium-driver, driven by python3-selenium), presses the
# arrow keys through every step at 1280x720 and 1920x1080 and checks that each step shows its
# picture and narration inside the window, that the console has no error, that the page makes no
# network request, and that the print stylesheet prints every step.
#
#   tests/packaging/slideshow-browser.py TLBLAB_CLI [LESSON]
import json
import os
import shutil
import subprocess
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

failures = []


def fail(msg):
    failures.append(msg)
    print("slideshow-browser: FAIL: " + msg, file=sys.stderr)


def browser(profile, width, height):
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--no-first-run", "--disable-default-apps", "--disable-sync",
              "--disable-dev-shm-usage", "--user-data-dir=" + profile, f"--window-size={width},{height}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=opts)


def visible_box(driver, element):
    """The element's box and the viewport, from the page itself."""
    return driver.execute_script(
        "var r = arguments[0].getBoundingClientRect();"
        "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height,"
        " vw: document.documentElement.clientWidth, vh: document.documentElement.clientHeight,"
        " sw: document.documentElement.scrollWidth};", element)


def check_size(cli_html, width, height, tmp):
    url = "file://" + cli_html
    driver = browser(os.path.join(tmp, f"profile-{width}"), width, height)
    try:
        # The page's viewport is exactly the screen size (the window would lose some to the browser).
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        driver.get(url)
        sections = driver.find_elements(By.CSS_SELECTOR, "section")
        n = len(sections)
        if n < 2:
            fail(f"{width}x{height}: {n} steps in the slideshow")
            return
        keys = ActionChains(driver)  # keys go to the page as loaded: no click to focus it first
        for i in range(n):
            where = f"{width}x{height} step {i + 1}/{n}"
            shown = [s for s in sections if s.is_displayed()]
            if len(shown) != 1 or shown[0] != sections[i]:
                fail(f"{where}: {len(shown)} steps shown, expected step {i + 1} alone")
            else:
                svg = sections[i].find_element(By.CSS_SELECTOR, ".picture svg")
                box = visible_box(driver, svg)
                if box["width"] < 200 or box["height"] < 150:
                    fail(f"{where}: the picture is {box['width']:.0f}x{box['height']:.0f} px")
                if box["left"] < 0 or box["right"] > box["vw"] + 1:
                    fail(f"{where}: the picture spills out of the window sideways ({box})")
                if box["top"] >= box["vh"]:
                    fail(f"{where}: the picture starts below the window ({box})")
                if box["sw"] > box["vw"] + 1:
                    fail(f"{where}: the page scrolls sideways ({box['sw']} > {box['vw']})")
                aside = sections[i].find_element(By.CSS_SELECTOR, "aside")
                title = aside.find_element(By.CSS_SELECTOR, "h2").text.strip()
                narration = aside.text.strip()
                abox = visible_box(driver, aside)
                if not title or len(narration) <= len(title) + 20:
                    fail(f"{where}: no narration beside the picture ({narration[:80]!r})")
                if abox["right"] > abox["vw"] + 1 or abox["top"] >= abox["vh"] or abox["width"] < 250:
                    fail(f"{where}: the narration is not in the window ({abox})")
                if abox["bottom"] > abox["vh"] + 1 or box["bottom"] > box["vh"] + 1:
                    fail(f"{where}: the step runs below the window (picture {box['bottom']:.0f}, narration "
                         f"{abox['bottom']:.0f}, window {box['vh']})")
                nbox = visible_box(driver, driver.find_element(By.CSS_SELECTOR, "nav"))
                if nbox["top"] < abox["bottom"] - 1 and nbox["left"] < abox["right"] and nbox["right"] > abox["left"]:
                    fail(f"{where}: the keyboard hint covers the narration (hint {nbox}, narration {abox})")
                pos = driver.find_element(By.ID, "pos").text
                if pos != str(i + 1):
                    fail(f"{where}: the position says {pos}")
            keys.send_keys(Keys.ARROW_RIGHT).perform()
        # Past the end nothing moves; Left goes back, Home to the start.
        if not sections[n - 1].is_displayed():
            fail(f"{width}x{height}: ArrowRight past the last step left it")
        keys.send_keys(Keys.ARROW_LEFT).perform()
        if not sections[n - 2].is_displayed():
            fail(f"{width}x{height}: ArrowLeft does not go back")
        keys.send_keys(Keys.HOME).perform()
        if not sections[0].is_displayed():
            fail(f"{width}x{height}: Home does not go to the first step")

        # Print: every step on its own page, the navigation hint hidden.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        printed = [s for s in sections if s.is_displayed()]
        if len(printed) != n:
            fail(f"print: {len(printed)} of {n} steps printed")
        if driver.find_element(By.CSS_SELECTOR, "nav").is_displayed():
            fail("print: the keyboard hint is printed")
        for s in printed:
            if s.value_of_css_property("break-after") not in ("page", "always"):
                fail(f"print: {s.get_attribute('id')} does not end its page")
                break
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
        if len(pdf.get("data", "")) < 1000:
            fail("print: Page.printToPDF gave nothing")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

        # No console error, no request but the file itself.
        for entry in driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                fail(f"{width}x{height}: console error: {entry.get('message')}")
        resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
        if resources:
            fail(f"{width}x{height}: the page loaded {resources}")
        for entry in driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                # The page's own requests (the browser's start page makes chrome:// ones of its
                # own), and any request that would leave the machine, whoever makes it.
                req = msg["params"]["request"]["url"]
                ours = msg["params"].get("documentURL") == url
                if (ours and req != url and not req.startswith("data:")) or req.split(":")[0] in ("http", "https", "ws", "wss", "ftp"):
                    fail(f"{width}x{height}: network request to {req}")
        print(f"slideshow-browser: {width}x{height}: {n} steps checked")
    finally:
        driver.quit()


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cli = sys.argv[1]
    lesson = sys.argv[2] if len(sys.argv) > 2 else "erratum-383"
    with tempfile.TemporaryDirectory(prefix="tlblab-browser.") as tmp:
        html = os.path.join(tmp, "slides.html")
        subprocess.run([cli, "export", lesson, "--format", "html", "--theme", "light", "--out", html], check=True)
        for w, h in ((1280, 720), (1920, 1080)):
            check_size(html, w, h, tmp)
    if failures:
        print(f"slideshow-browser: {len(failures)} failures", file=sys.stderr)
        return 1
    print("slideshow-browser: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
