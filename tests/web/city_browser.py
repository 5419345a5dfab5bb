#!/usr/bin/python3
"""The city page in a real browser (tests/web/city_web_test.sh sets up the
city and its daemons): headless Chromium driven by Selenium logs in to the
city node's console and checks /district against `linli report city --json`.

    city_browser.py --base URL --user NAME --password PW --today JSON
                    --yesterday JSON --shots DIR

Checked: the page is the city page (title, headline, one row per district
and the city's row, one row per community) and every figure equals the
report's, for today and for the day before (when no community had a summary
yet: each is said to be silent); the communities' names are there and one
named <script>...</script> is shown as text (no script element, no alert);
?lang=en gives the English page. Screenshots: DIR/city-*.png.
Uses only Debian's python3-selenium.
"""
import argparse
import base64
import json
import os
import sys
import tempfile

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

FAILURES = []
EVIL = "<script>alert(1)</script>唐家墩"


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILURES.append(what)
    return cond


class Page:
    def __init__(self, a):
        self.a = a
        o = webdriver.ChromeOptions()
        self.root = tempfile.mkdtemp(prefix="linli-citybrowser-")
        for x in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-default-apps",
                  "--disable-extensions", "--metrics-recording-only", "--lang=zh-CN",
                  "--user-data-dir=" + os.path.join(self.root, "chrome")]:
            o.add_argument(x)
        o.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
        o.binary_location = "/usr/bin/chromium"
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False})

    def get(self, path):
        self.d.get(self.a.base + path)
        WebDriverWait(self.d, 30).until(
            lambda _: self.d.execute_script("return document.readyState") == "complete")

    def shot(self, name):
        d = self.d
        h = d.execute_script("return document.documentElement.scrollHeight")
        w = d.execute_script("return window.innerWidth")
        png = d.execute_cdp_cmd("Page.captureScreenshot", {
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": w, "height": min(h, 12000), "scale": 1}})
        with open(os.path.join(self.a.shots, name + ".png"), "wb") as f:
            f.write(base64.b64decode(png["data"]))

    def login(self):
        d = self.d
        self.get("/district")
        check("/login" in d.current_url, "the city's /district without a session goes to the login page")
        d.find_element(By.ID, "user").send_keys(self.a.user)
        d.find_element(By.ID, "password").send_keys(self.a.password)
        old = d.find_element(By.TAG_NAME, "html")
        d.find_element(By.ID, "login-submit").click()

        def gone(_):
            try:
                old.is_enabled()
                return False
            except WebDriverException:
                return True
        WebDriverWait(d, 30).until(gone)
        return check(bool(d.find_elements(By.ID, "whoami")), "log in to the city node's console")

    def txt(self, css, root=None):
        return (root or self.d).find_element(By.CSS_SELECTOR, css).text.strip()

    def num(self, css, root=None):
        return float(self.txt(css, root))

    def pair(self, css, root=None):
        a, b = self.txt(css, root).split("/")
        return int(a), int(b)


def close(x, y):
    return abs(float(x) - float(y)) < 0.051


def sum_ok(p, tr, s, what):
    """A row of #districts against one sum of the report."""
    c = lambda k: p.txt('[data-k="%s"]' % k, tr)
    ok = (p.pair('[data-k="reporting"]', tr) == (s["reporting"], s["communities"]) and
          int(c("fresh")) == s["reporting_on_date"] and
          p.pair('[data-k="certified"]', tr) == (s["compounds_certified"], s["compounds"]) and
          close(c("share"), s["compounds_share"]) and
          int(c("free")) == s["communities_epidemic_free"] and
          p.pair('[data-k="villages"]', tr) == (s["villages_epidemic_free"], s["villages"]))
    for k in ["households", "residents", "open_confirmed", "open_three", "fevers_1", "handouts_1"]:
        ok = ok and int(c(k)) == s[k]
    if s["as_of"]:
        ok = ok and c("as_of") == s["as_of"]
    if not ok:
        print("  row:", tr.text, "\n  report:", json.dumps(s, ensure_ascii=False))
    return check(ok, what)


def city_page(p, rep, label):
    d = p.d
    ok = (p.num("#c-certified") == rep["compounds_certified"] and
          p.num("#c-compounds") == rep["compounds"] and
          close(p.txt("#c-share-certified"), rep["compounds_share"]) and
          p.num("#c-free") == rep["communities_epidemic_free"] and
          p.num("#c-communities") == rep["communities"] and
          close(p.txt("#c-share-free"), rep["communities_share"]) and
          p.num("#c-vfree") == rep["villages_epidemic_free"] and
          p.num("#c-villages") == rep["villages"] and
          p.num("#c-households") == rep["households"] and
          p.num("#c-residents") == rep["residents"] and
          p.num("#c-open-confirmed") == rep["open_confirmed"] and
          p.num("#c-open-three") == rep["open_three"] and
          p.num("#c-districts-reporting") == rep["districts_reporting"] and
          p.num("#c-districts") == rep["districts"] and
          p.num("#c-fresh") == rep["reporting_on_date"])
    if not ok:
        print("  headline:", p.txt("#headline"), "\n  report:", json.dumps(rep, ensure_ascii=False))
    check(ok, label + ": the headline equals linli report city --json")
    rows = d.find_elements(By.CSS_SELECTOR, "#districts tr[id^='d-']")
    check(len(rows) == len(rep["rows"]) + 1, label + ": one row per district and the city's")
    for r in rep["rows"]:
        tr = d.find_element(By.ID, "d-" + r["district"])
        sum_ok(p, tr, r, label + ": district %s's row equals the report's" % r["district"])
    sum_ok(p, d.find_element(By.ID, "d-total"), rep, label + ": the city's row equals the report's")
    comm = d.find_elements(By.CSS_SELECTOR, "#city-communities tr.silent, #city-communities tr:not(.silent)")
    codes = [tr.find_elements(By.CSS_SELECTOR, '[data-k="community"]') for tr in comm]
    codes = [c[0].text for c in codes if c]
    check(sorted(codes) == ["changhongli", "chuanchang", "shihua", "tangjia"],
          label + ": one row per community: %s" % codes)
    silent = {(r["district"], s["community"]) for r in rep["rows"] for s in r["silent"]}
    words = p.txt("#silent")
    check(all(c in words for _, c in silent) and (silent or d.find_elements(By.ID, "all-fresh")),
          label + ": the communities without a summary for the date are named (%d)" % len(silent))


def main():
    ap = argparse.ArgumentParser()
    for k in ["base", "user", "password", "today", "yesterday", "shots"]:
        ap.add_argument("--" + k, required=True)
    a = ap.parse_args()
    today, yday = json.load(open(a.today)), json.load(open(a.yesterday))
    p = Page(a)
    try:
        if not p.login():
            return 1
        d = p.d
        p.get("/district")
        check(p.txt("h1") == "全市 wuhan · " + today["date"], "the city node's /district is the city page, in Chinese: "
              + p.txt("h1"))
        check(not d.find_elements(By.ID, "city-gap"), "no 'city node not in this version' sentence")
        p.shot("city-zh")
        city_page(p, today, "today")
        names = {tr.find_element(By.CSS_SELECTOR, '[data-k="community"]').text:
                 tr.find_element(By.CSS_SELECTOR, '[data-k="name"]').text
                 for tr in d.find_elements(By.CSS_SELECTOR, "#city-communities tr")
                 if tr.find_elements(By.CSS_SELECTOR, '[data-k="name"]')}
        check(len(names) == 4 and all(names.values()), "every community's name is shown: %s" % names)
        check(names.get("tangjia") == EVIL, "a name with <script> is shown as text")
        check(not d.find_elements(By.TAG_NAME, "script"), "the page has no script element")
        try:
            d.switch_to.alert
            check(False, "no alert ran")
        except NoAlertPresentException:
            check(True, "no alert ran")
        check(all(d.find_elements(By.CSS_SELECTOR, "#city-communities [data-k='last']")[i].text == today["date"]
                  for i in range(4)), "each community's last summary is today's")
        p.get("/district?date=" + yday["date"])
        check(p.txt("h1").endswith(yday["date"]), "the date chooser's date gives that day's page")
        city_page(p, yday, "the day before")
        check("从未汇总" in p.txt("#silent") and "无汇总的社区" in p.txt("#silent"), "the day before: the silent communities never had a summary")
        p.shot("city-zh-yesterday")
        p.get("/district?lang=en")
        check(p.txt("h1") == "City wuhan · " + today["date"], "?lang=en gives the English city page")
        check("Compounds certified" in p.txt("#headline") and "Completeness" in p.txt("#completeness"),
              "the English page's words are English")
        city_page(p, today, "English")
        p.shot("city-en")
    finally:
        p.d.quit()
    print("%d failed" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
