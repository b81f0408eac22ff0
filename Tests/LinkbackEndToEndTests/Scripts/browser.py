#!/usr/bin/env python3
"""Drives Debian's headless Chromium through Selenium for the widget and dashboard tests, and
prints one JSON object with what a person would see.

  browser.py widget URL [--more] [--screenshot FILE]
      Opens a page with the mentions widget, waits until it has rendered (clicking "Show more"
      until it disappears with --more), and reports each widget's state, counts, names, text,
      whether any injected script ran (window.__pwned / data-pwned) and console errors.
  browser.py compare WIDGET-URL FRAGMENT-URL
      Opens a page with the widget and a page with the server's fragment pasted in, waits for
      every avatar to load or fail, and reports for each its markup (elements with their
      attributes sorted), text, size and a hash of its pixels.
  browser.py dashboard URL TOKEN STEPS [--screenshot FILE]
      Opens the dashboard, logs in with TOKEN and runs STEPS (a JSON list):
      ["approve", ID] clicks that row's approve button; ["click", ID, LABEL] clicks that row's
      button LABEL and accepts the question it asks; ["bulk", "spam", [IDS]] ticks the rows
      and clicks "Spam selected"; ["keys", "jja"] types keys on the page (waiting for the
      message an action leaves); reports the rows, messages, charts, layout and console errors.
  --width N makes the window N CSS pixels wide (a phone: 390).
"""
import base64
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1100,900", "--force-color-profile=srgb", "--hide-scrollbars"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    if option("--width"):
        # A window cannot be made as narrow as a phone: emulate the phone's viewport instead.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": int(option("--width")), "height": 844, "deviceScaleFactor": 1, "mobile": True})
    return driver


def save_whole_page(driver, path):
    """A screenshot of the whole page, below the window's fold too."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    data = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
    with open(path, "wb") as file:
        file.write(base64.b64decode(data["data"]))


def console_errors(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def option(name):
    if name in sys.argv:
        index = sys.argv.index(name)
        return sys.argv[index + 1] if index + 1 < len(sys.argv) else True
    return None


def widget(driver, url):
    driver.get(url)
    wait = WebDriverWait(driver, 20)
    wait.until(lambda d: d.execute_script("return document.documentElement.dataset.linkbackReady !== undefined"))
    if option("--more"):
        for _ in range(20):
            buttons = [b for b in driver.find_elements(By.CSS_SELECTOR, ".linkback-more") if b.is_displayed()]
            if not buttons:
                break
            before = driver.execute_script("return document.querySelector('.linkback').dataset.count")
            # Avatars loading move the button: bring it into view and let the layout settle first.
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", buttons[0])
            time.sleep(0.5)
            buttons[0].click()
            wait.until(lambda d: d.execute_script(
                "const w = document.querySelector('.linkback');"
                "return w.dataset.count !== arguments[0] || w.querySelector('.linkback-more').hidden", before))
    time.sleep(0.3)
    widgets = driver.execute_script("""
        return [...document.querySelectorAll('[data-linkback-target]')].map(w => ({
          state: w.dataset.state || null, count: Number(w.dataset.count || 0),
          faces: w.querySelectorAll('.linkback-faces li').length,
          piles: Object.fromEntries([...w.querySelectorAll('.linkback-pile:not([hidden])')].map(p =>
            [p.querySelector('h3').firstChild.textContent.trim(), Number(p.querySelector('.linkback-count').textContent)])),
          comments: w.querySelectorAll('.linkback-comments > li').length,
          threads: [...w.querySelectorAll('.linkback-replies > li')].map(li => [li.parentElement.closest('li').id, li.id]),
          names: [...w.querySelectorAll('.linkback-name')].map(n => n.textContent),
          titles: [...w.querySelectorAll('.linkback-faces li')].map(n => n.title),
          placeholders: [...w.querySelectorAll('.linkback-avatar')].filter(a => {
            const image = a.querySelector('img');
            return !image || (image.complete && image.naturalWidth === 0);
          }).length,
          lazy: [...w.querySelectorAll('img')].every(i => i.loading === 'lazy'),
          empty: !!w.querySelector('.linkback-empty:not([hidden])'),
          more: [...w.querySelectorAll('.linkback-more')].some(b => !b.hidden),
          handlers: w.querySelectorAll('[onerror], [onload], [onclick], script, iframe').length,
          text: w.innerText, html: w.innerHTML }));""")
    pwned = driver.execute_script("return window.__pwned || document.documentElement.dataset.pwned || null")
    return {"widgets": widgets, "pwned": pwned, "errors": console_errors(driver)}


def rendered(driver, url, selector):
    """The mentions at `selector` as the reader sees them, once every image has loaded or failed."""
    driver.get(url)
    wait = WebDriverWait(driver, 20)
    wait.until(lambda d: d.execute_script("return document.readyState === 'complete'"))
    wait.until(lambda d: d.execute_script(
        "const root = document.querySelector(arguments[0]);"
        "return !!root && root.dataset.state !== 'loading' && !!root.firstElementChild"
        " && [...root.querySelectorAll('img')].every(i => i.complete)", selector))
    found = driver.execute_script("""
        const canon = (node) => {
          if (node.nodeType === Node.TEXT_NODE) return node.textContent.replace(/&/g, '&amp;').replace(/</g, '&lt;');
          if (node.nodeType !== Node.ELEMENT_NODE) return '';
          const attributes = [...node.attributes].map(a => ` ${a.name}="${a.value}"`).sort().join('');
          return `<${node.localName}${attributes}>${[...node.childNodes].map(canon).join('')}</${node.localName}>`;
        };
        const root = document.querySelector(arguments[0]);
        const box = root.getBoundingClientRect();
        return { markup: [...root.childNodes].map(canon).join(''), text: root.innerText,
                 box: { x: box.x + scrollX, y: box.y + scrollY, width: box.width, height: box.height },
                 broken: [...root.querySelectorAll('img')].filter(i => i.naturalWidth === 0).length,
                 images: root.querySelectorAll('img').length };""", selector)
    box = found["box"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
        "clip": {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"], "scale": 1}})
    found["pixels"] = hashlib.sha256(base64.b64decode(shot["data"])).hexdigest()
    return found


def compare(driver, widget_url, fragment_url):
    # Tall enough that no avatar waits for a scroll to load (they are loading="lazy").
    driver.set_window_size(1100, 3000)
    return {"widget": rendered(driver, widget_url, "[data-linkback-target]"),
            "fragment": rendered(driver, fragment_url, "section.linkback"),
            "errors": console_errors(driver)}


def dashboard(driver, url, token, steps):
    driver.get(url)
    wait = WebDriverWait(driver, 20)
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#login button").click()
    wait.until(lambda d: d.find_element(By.ID, "dashboard").is_displayed()
               or d.find_element(By.ID, "login-error").is_displayed())
    if not driver.find_element(By.ID, "dashboard").is_displayed():
        return {"login_error": driver.find_element(By.ID, "login-error").text, "errors": console_errors(driver)}
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#rows tr"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#rejections-chart"))
    chart = driver.execute_script("""
        const figure = document.getElementById('rejections-chart');
        return { caption: figure.querySelector('figcaption').firstChild.textContent,
                 hours: [...figure.querySelectorAll('g.hour > title')].map(t => t.textContent),
                 bars: figure.querySelectorAll('rect').length,
                 width: figure.querySelector('svg').getBoundingClientRect().width };""")
    screenshot = option("--screenshot")
    if screenshot:
        save_whole_page(driver, screenshot)
    charts = driver.execute_script("""
        return Object.fromEntries([...document.querySelectorAll('#charts figure')].map(f => [f.id, {
          caption: f.querySelector('figcaption').firstChild.textContent, rects: f.querySelectorAll('rect').length,
          legend: [...f.querySelectorAll('.legend .key')].map(k => k.textContent),
          width: f.querySelector('svg').getBoundingClientRect().width }]));""")
    layout = driver.execute_script("""
        const row = document.querySelector('#rows tr[data-id]');
        const approve = row && [...row.querySelectorAll('button')].find(b => b.textContent === 'approve');
        const box = approve && approve.getBoundingClientRect();
        return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
                 approve: box ? { left: box.left, right: box.right, height: box.height } : null };""")
    rows_script = """
        return [...document.querySelectorAll('#rows tr')].map(r => ({
          id: Number(r.dataset.id), text: r.innerText, current: r.classList.contains('current'),
          post: (r.querySelector('button.post') || {}).textContent || null }));"""
    rows_before = driver.execute_script(rows_script)
    messages = []
    for step in steps:
        if step[0] in ("approve", "click"):
            label = step[2] if step[0] == "click" else "approve"
            row = driver.find_element(By.CSS_SELECTOR, f'tr[data-id="{step[1]}"]')
            [b for b in row.find_elements(By.TAG_NAME, "button") if b.text == label][0].click()
            if step[0] == "click":
                # A button that asks first: the question is kept, and answered yes.
                alert = WebDriverWait(driver, 5).until(expected_conditions.alert_is_present())
                messages.append("asked: " + alert.text)
                alert.accept()
        elif step[0] == "keys":
            for key in step[1]:
                ActionChains(driver).send_keys(key).perform()
                time.sleep(0.1)
            if step[1][-1] not in "ars":
                continue
        elif step[0] == "bulk":
            for mention in step[2]:
                driver.find_element(By.CSS_SELECTOR, f'tr[data-id="{mention}"] input.pick').click()
            driver.find_element(By.CSS_SELECTOR, f'button[data-bulk="{step[1]}"]').click()
        wait.until(lambda d: d.find_element(By.ID, "message").text != "")
        messages.append(driver.find_element(By.ID, "message").text)
        driver.execute_script("document.getElementById('message').textContent = ''")
    rows = driver.execute_script(rows_script)
    return {"rows_before": rows_before, "rows": rows, "messages": messages, "stats": driver.find_element(By.ID, "stats").text,
            "chart": chart, "charts": charts, "layout": layout, "errors": console_errors(driver)}


def main():
    # Chromium leaves its singleton socket directories (org.chromium.Chromium.*) in the temporary
    # directory; give it one of its own and remove it afterwards.
    scratch = tempfile.mkdtemp(prefix="linkback-browser-")
    os.environ["TMPDIR"] = scratch
    try:
        run()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run():
    driver = browser()
    try:
        if sys.argv[1] == "widget":
            result = widget(driver, sys.argv[2])
        elif sys.argv[1] == "compare":
            result = compare(driver, sys.argv[2], sys.argv[3])
        else:
            result = dashboard(driver, sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
        screenshot = option("--screenshot")
        if screenshot and sys.argv[1] == "widget":
            driver.save_screenshot(screenshot)
        print(json.dumps(result))
    finally:
        driver.quit()


main()
