#!/usr/bin/python3
"""The web console in a real browser: headless Chromium driven by Selenium
against real linlid daemons on 127.0.0.1 (a district hub and two
communities with sample records, trust on, enrolled by files).

    browser_test.py --linli PATH --linlid PATH --out DIR

Checks, in order (each failure is printed; the exit status is 1 if any):
  login (Chinese by default); every page renders, and a PNG of it is kept
  in DIR/shots; the district page's figures equal `linli report --json`,
  the list pages' counts equal the CLI's lists; the chart has one point per
  day for 30 days; the health round of a grid records 30 residents and the
  CLI lists those checks; a bad value is shown next to its field and nothing
  is written (and one bad row of a round writes no row); a resident named
  <script>alert(1)</script> is shown as text; declare on the community,
  approve on the hub, and the state is certified on the community node; a
  rejection without a reason is refused next to its field; a POST without
  the CSRF token, a viewer posting, an expired session and the 11th wrong
  password are refused; a 390 x 844 window shows every form without
  horizontal scrolling; every response has the Content-Security-Policy;
  /metrics parses with prometheus_client and its counters move after a
  sync.
Uses only Debian's python3-selenium and python3-prometheus-client.
"""
import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from prometheus_client.parser import text_string_to_metric_families
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
FAILURES = []


def check(cond, what):
    if cond:
        print("ok:", what, flush=True)
    else:
        print("FAIL:", what, flush=True)
        FAILURES.append(what)
    return cond


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Node:
    def __init__(self, t, name, community, hub_key=None, idle_s=None):
        self.t, self.name, self.community = t, name, community
        self.dir = os.path.join(t.root, name)
        self.port = free_port()
        self.proc = None
        args = ["init", "--data", self.dir, "--community", community, "--listen",
                "tcp://127.0.0.1:%d" % self.port, "--district", "qiaokou",
                "--hub", hub_key or "self"]
        self.key = t.cli(*args).strip()
        with open(os.path.join(self.dir, "linlid.conf"), "a") as f:
            f.write("http 127.0.0.1:0\nsync_interval_ms 1000\n")
            if idle_s:
                f.write("http_idle_s %d\n" % idle_s)

    def conf(self, line):
        with open(os.path.join(self.dir, "linlid.conf"), "a") as f:
            f.write(line + "\n")

    def start(self):
        self.log = os.path.join(self.t.root, self.name + ".log")
        self.proc = subprocess.Popen([self.t.linlid, "--data", self.dir],
                                     stderr=open(self.log, "w"))
        deadline = time.time() + 60
        while time.time() < deadline:
            with open(self.log) as f:
                m = re.search(r"http listening on 127\.0\.0\.1:(\d+) \(([^)]*)\)", f.read())
            if m and self.t.cli_ok("status", "--data", self.dir):
                self.http = int(m.group(1))
                self.base = "http://127.0.0.1:%d" % self.http
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("linlid %s did not start; see %s" % (self.name, self.log))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def user(self, name, role, password, pii=False):
        self.t.cli("user", "add", "--data", self.dir, name, "--role", role, *(["--pii"] if pii else []),
                   stdin=password + "\n")


class Test:
    def __init__(self, a):
        self.linli, self.linlid, self.out = a.linli, a.linlid, a.out
        self.root = tempfile.mkdtemp(prefix="linli-web-")
        self.shots = os.path.join(self.out, "shots")
        shutil.rmtree(self.shots, ignore_errors=True)
        os.makedirs(self.shots)
        self.nodes = []
        self.driver = None

    def cli(self, *args, stdin=None):
        r = subprocess.run([self.linli] + list(args), input=stdin, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("linli %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r.stdout

    def cli_ok(self, *args):
        return subprocess.run([self.linli] + list(args), capture_output=True).returncode == 0

    def cli_json(self, *args):
        return json.loads(self.cli(*args))

    @staticmethod
    def fv(rec, name):
        """A field's value in a record of linli list --json."""
        return rec.get("fields", {}).get(name, {}).get("value")

    # ---- the district ----

    def setup(self):
        t0 = time.time()
        self.hub = Node(self, "hub", "qiaokou")
        for c in ("shihua", "chuanchang"):
            self.hub.conf("scope " + c)
        self.shihua = Node(self, "shihua", "shihua", self.hub.key)
        self.chuan = Node(self, "chuanchang", "chuanchang", self.hub.key, idle_s=10)
        for n in (self.shihua, self.chuan):
            n.conf("peer hub tcp://127.0.0.1:%d %s" % (self.hub.port, self.hub.key))
            self.cli("enroll", "--data", self.hub.dir, os.path.join(n.dir, "enroll-request.txt"),
                     "--out", self.root)
            cert = [f for f in os.listdir(self.root) if f.startswith("cert-%s-" % n.community)][0]
            self.cli("import-cert", "--data", n.dir, os.path.join(self.root, cert))
            bundle = os.path.join(self.root, n.community + ".bundle")
            self.cli("sample", "--data", n.dir, "--days", "14", bundle)
            self.cli("import", "--data", n.dir, bundle)
        self.hub.user("approver1", "approver", "approver-pass-1")
        self.hub.user("viewer1", "viewer", "viewer-pass-1")
        self.shihua.user("clerk1", "clerk", "clerk-pass-1")
        self.shihua.user("viewer2", "viewer", "viewer-pass-2")
        self.shihua.user("clerk2", "clerk", "clerk-pass-2", pii=True)
        self.shihua.user("lock1", "clerk", "lock-pass-1")
        self.chuan.user("idle1", "clerk", "idle-pass-1")
        self.nodes = [self.hub, self.shihua, self.chuan]
        for n in self.nodes:
            n.start()
        self.wait_sync()
        print("setup: %.1f s" % (time.time() - t0), flush=True)

    def digest(self, node, scope):
        return self.cli("digest", "--data", node.dir, "--scope", scope).strip()

    def in_sync(self):
        return all(self.digest(self.hub, c.community) == self.digest(c, c.community)
                   for c in (self.shihua, self.chuan)) and \
            all(self.digest(self.hub, "qiaokou") == self.digest(c, "qiaokou")
                for c in (self.shihua, self.chuan))

    def wait_sync(self, what="the district", secs=90):
        deadline = time.time() + secs
        while time.time() < deadline:
            if self.in_sync():
                return True
            time.sleep(0.3)
        raise RuntimeError("%s did not sync in %d s" % (what, secs))

    def ops(self, node):
        return self.cli_json("status", "--data", node.dir, "--json")["ops"]

    # ---- the browser ----

    def browser(self):
        o = webdriver.ChromeOptions()
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-default-apps",
                  "--disable-extensions", "--metrics-recording-only", "--lang=zh-CN",
                  "--user-data-dir=" + os.path.join(self.root, "chrome")]:
            o.add_argument(a)
        o.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
        o.binary_location = "/usr/bin/chromium"
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
        self.size(1280, 1000)

    def size(self, w, h):
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 600})

    def get(self, node, path):
        self.driver.get(node.base + path)

    def shot(self, name):
        d = self.driver
        height = d.execute_script("return document.documentElement.scrollHeight")
        width = d.execute_script("return window.innerWidth")
        png = d.execute_cdp_cmd("Page.captureScreenshot", {
            "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": width,
                                                    "height": min(height, 12000), "scale": 1}})
        import base64
        with open(os.path.join(self.shots, name + ".png"), "wb") as f:
            f.write(base64.b64decode(png["data"]))

    def login(self, node, user, password):
        d = self.driver
        d.delete_all_cookies()
        self.get(node, "/login")
        d.find_element(By.ID, "user").send_keys(user)
        d.find_element(By.ID, "password").send_keys(password)
        self.submit(d.find_element(By.ID, "login-submit"))
        return d.find_elements(By.ID, "whoami")

    def submit(self, el):
        """Clicks el and waits for the page it brings (or the same page again)."""
        d = self.driver
        old = d.find_element(By.TAG_NAME, "html")
        el.click()

        def gone(_):
            try:
                old.is_enabled()
                return False
            except WebDriverException:  # stale, or no longer in the document
                return True
        WebDriverWait(d, 30).until(gone)
        WebDriverWait(d, 30).until(lambda _: d.execute_script("return document.readyState") == "complete")

    def text(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def no_hscroll(self):
        return self.driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")

    # ---- plain HTTP, for what a browser does not send ----

    def http(self, node, path, data=None, cookies=None, headers=None):
        req = urllib.request.Request(node.base + path, method="POST" if data is not None else "GET")
        if data is not None:
            req.data = urllib.parse.urlencode(data).encode()
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        if cookies:
            req.add_header("Cookie", "; ".join("%s=%s" % kv for kv in cookies.items()))
        for k, v in (headers or {}).items():
            req.add_header(k, v)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        opener = urllib.request.build_opener(NoRedirect)
        try:
            r = opener.open(req, timeout=30)
            return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def http_login(self, node, user, password):
        st, h, body = self.http(node, "/login")
        pre = re.search(r"linli_l=([0-9a-f]{64})", h.get("Set-Cookie", "")).group(1)
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', body).group(1)
        st, h, body = self.http(node, "/login", {"csrf": csrf, "user": user, "password": password},
                                {"linli_l": pre})
        m = re.search(r"linli_s=([0-9a-f]{64})", h.get("Set-Cookie", ""))
        return st, (m.group(1) if m else None), body

    def csrf_of(self, node, path, session):
        st, h, body = self.http(node, path, cookies={"linli_s": session})
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', body)
        return m.group(1) if m else None

    # ---- the checks ----

    def t_login_and_pages(self):
        d = self.driver
        self.get(self.hub, "/district")
        check("/login" in d.current_url, "a page without a session goes to the login page")
        check(d.find_element(By.TAG_NAME, "h1").text == "登录", "the login page is in Chinese by default")
        self.shot("login")
        check(not self.login(self.hub, "approver1", "wrong password"), "a wrong password does not log in")
        check(self.text("#login-error") == "账号或密码错误。", "the wrong password is said, in Chinese")
        check(self.login(self.hub, "approver1", "approver-pass-1"), "the approver logs in on the hub")
        check("/district" in d.current_url, "the hub opens on the district page")
        for path, name in [("/district", "district"), ("/rounds", "rounds"), ("/status", "status"),
                           ("/community?c=shihua", "hub-community-shihua"),
                           ("/list/resident?c=shihua", "hub-list-residents"),
                           ("/record/compound?c=shihua&k=SH-C01", "hub-record-compound")]:
            self.get(self.hub, path)
            ok = d.find_elements(By.TAG_NAME, "h1") and not d.find_elements(By.ID, "error")
            check(ok, "hub page %s renders" % path)
            self.shot(name)
        self.get(self.hub, "/district?lang=en")
        check(self.text("h1").startswith("District"), "?lang=en gives the English page")
        self.shot("district-en")
        self.get(self.hub, "/district?lang=zh")
        check(self.text("h1").startswith("全区"), "?lang=zh gives the Chinese page back")

    def t_district_figures(self):
        d = self.driver
        rep = self.cli_json("report", "--data", self.hub.dir, "district", "--json")
        self.get(self.hub, "/district")
        check(int(self.text("#h-compounds")) == rep["compounds"], "district: compounds = linli report")
        check(int(self.text("#h-eligible")) == rep["compounds_meeting_rule"],
              "district: compounds meeting the rule = linli report's")
        check(int(self.text("#h-communities-free")) == rep["communities_epidemic_free"],
              "district: communities epidemic-free = linli report")
        check(int(self.text("#h-residents")) == rep["residents"], "district: residents = linli report")
        check(int(self.text("#heard")) == rep["heard_from"]["7"], "district: heard from = linli report")
        for row in rep["rows"]:
            tr = d.find_element(By.ID, "row-" + row["community"])
            cell = lambda k: tr.find_element(By.CSS_SELECTOR, '[data-k="%s"]' % k).text
            for k in ("households", "residents", "compounds"):
                check(int(cell(k)) == row[k], "district row %s: %s = linli report" % (row["community"], k))
            check(int(cell("epidemic_free")) == row["meeting_rule"],
                  "district row %s: meeting the rule = linli report" % row["community"])
            for k in ("confirmed", "suspected", "fever", "close_contact"):
                check(int(cell(k)) == row["open"][k], "district row %s: open %s = linli report" %
                      (row["community"], k))
        states = [e.get_attribute("data-state") for e in
                  d.find_elements(By.CSS_SELECTOR, "#compounds [data-state]")]
        check(len(states) == rep["compounds"], "one state per compound")
        certs = self.cli_json("certifications", "--data", self.hub.dir, "--json")["compounds"]
        check(states.count("certified") == len([c for c in certs if c["state"] == "certified"]),
              "certified compounds = linli certifications")
        check(states == [c["state"] for c in rep["compound_states"]],
              "every compound's state = linli report's")
        counts = sum(int(e.text) for e in d.find_elements(By.CSS_SELECTOR, "#states b"))
        check(counts == rep["compounds"], "the states add up to the compounds")
        check(states.count("not_eligible") + states.count("withdrawn") <= rep["compounds"] -
              rep["compounds_meeting_rule"] + states.count("pending"),
              "a compound not meeting the rule is not shown certified or eligible")
        # the chart: one point a day, 30 days ending today
        today = self.cli_json("report", "--data", self.hub.dir, "district", "--json")["date"]
        for series in ("series-certified", "series-compounds", "series-communities"):
            pts = d.find_elements(By.CSS_SELECTOR, "#%s circle.pt" % series)
            dates = [p.get_attribute("data-date") for p in pts]
            check(len(pts) == 30 and len(set(dates)) == 30, "chart %s: 30 points, one a day" % series)
            check(dates and dates[-1] == today, "chart %s ends today" % series)
        last = d.find_elements(By.CSS_SELECTOR, "#series-compounds circle.pt")[-1]
        share = 100.0 * rep["compounds_meeting_rule"] / rep["compounds"]
        check(abs(float(last.get_attribute("data-share")) - share) < 0.05,
              "the chart's last point is today's share of compounds meeting the rule")

    def t_status(self):
        st = self.cli_json("status", "--data", self.hub.dir, "--json")
        self.get(self.hub, "/status")
        ops = int(self.text("#st-ops"))
        check(abs(ops - st["ops"]) <= 2, "status page: ops stored = linli status (%d vs %d)" % (ops, st["ops"]))
        peers = self.driver.find_elements(By.CSS_SELECTOR, "#peers tr")
        check(len(peers) == 1 + len(st["peers"]), "status page: one row per peer of linli status")

    def t_community_lists(self):
        d = self.driver
        check(self.login(self.shihua, "clerk1", "clerk-pass-1"), "the clerk logs in on shihua")
        check("/community" in d.current_url, "a community node opens on the community page")
        self.shot("community")
        for coll in ("resident", "household", "case_status", "compound", "grid", "volunteer",
                     "group_order", "proxy_request", "distribution", "gate_check", "health_check",
                     "disinfection", "measures", "supply_stock", "declaration"):
            self.get(self.shihua, "/list/%s" % coll)
            n = int(d.find_element(By.ID, "count").get_attribute("data-count"))
            cli = self.cli_json("list", "--data", self.shihua.dir, coll, "--json")
            if coll == "supply_stock":
                check(n > 0, "list supply_stock shows the stock items")
            else:
                check(n == len(cli), "list %s: %d rows = linli list (%d)" % (coll, n, len(cli)))
            self.shot("list-" + coll)
        cases = self.cli_json("list", "--data", self.shihua.dir, "case_status", "--json")
        fevers = [c for c in cases if self.fv(c, "category") == "fever"]
        self.get(self.shihua, "/list/case_status?f=category&v=fever")
        n = int(d.find_element(By.ID, "count").get_attribute("data-count"))
        check(n == len(fevers), "list with a filter (category = fever): %d = the CLI's %d" % (n, len(fevers)))
        res = self.cli_json("list", "--data", self.shihua.dir, "resident", "--json")
        one = res[7]
        name = self.fv(one, "name")
        self.get(self.shihua, "/list/resident?q=" + urllib.parse.quote(name))
        n = int(d.find_element(By.ID, "count").get_attribute("data-count"))
        same = [r for r in res if any(name in str(v.get("value", "")) for v in r["fields"].values())
                or name in r["key"]]
        check(n == len(same) and n >= 1, "find by name: %d = %d" % (n, len(same)))
        self.get(self.shihua, "/record/resident?k=" + one["key"])
        check(self.text('[data-field="name"]') == name, "the record page shows the resident")
        check(len(d.find_elements(By.CSS_SELECTOR, "#history tr")) >= 2, "the record page has a history")
        self.shot("record-resident")
        # an account without pii reads ID numbers and phones masked; with pii whole
        phone, idno = self.fv(one, "phone"), self.fv(one, "id_number")
        shown_p, shown_i = self.text('[data-field="phone"]'), self.text('[data-field="id_number"]')
        check(shown_p == phone[:3] + "*" * (len(phone) - 7) + phone[-4:] and phone not in d.page_source,
              "clerk1 (no pii) reads the phone masked: %s" % shown_p)
        check(shown_i == idno[:4] + "*" * 10 + idno[-4:] and idno not in d.page_source,
              "clerk1 (no pii) reads the ID number masked: %s" % shown_i)
        self.get(self.shihua, "/list/resident?q=" + urllib.parse.quote(name))
        check(phone not in d.page_source and idno not in d.page_source, "the list page masks them too")
        check(self.login(self.shihua, "clerk2", "clerk-pass-2"), "clerk2 (pii) logs in")
        self.get(self.shihua, "/record/resident?k=" + one["key"])
        check(self.text('[data-field="phone"]') == phone and self.text('[data-field="id_number"]') == idno,
              "clerk2 (pii) reads them whole")
        self.login(self.shihua, "clerk1", "clerk-pass-1")

    def t_round(self):
        d = self.driver
        before = self.cli_json("list", "--data", self.shihua.dir, "health_check", "--json")
        self.get(self.shihua, "/round?grid=SH-G1")
        self.shot("round")
        rows = d.find_elements(By.CSS_SELECTOR, "#round-form tr[id^=row-]")
        check(len(rows) >= 30, "the round of grid SH-G1 has a row per resident (%d)" % len(rows))
        keys, temps = [], []
        for i in range(30):
            key = d.find_element(By.NAME, "k%d" % i).get_attribute("value")
            temp = "36.%d" % (i % 10) if i % 7 else "37.%d" % (5 + i % 4)
            d.find_element(By.ID, "t%d" % i).send_keys(temp)
            if i % 5 == 0:
                d.find_element(By.ID, "c%d" % i).click()
            keys.append(key)
            temps.append(int(round(float(temp) * 10)))
        # one bad row: nothing of the round is written
        d.find_element(By.ID, "t30").send_keys("99.9")
        self.submit(d.find_element(By.ID, "submit"))
        check(d.find_elements(By.ID, "error-30"), "a bad temperature is shown in its row")
        check(d.find_element(By.ID, "row-30").get_attribute("class") == "bad", "the bad row is marked")
        mid = self.cli_json("list", "--data", self.shihua.dir, "health_check", "--json")
        check(len(mid) == len(before), "a round with a bad row writes nothing")
        self.shot("round-error")
        t30 = d.find_element(By.ID, "t30")
        t30.clear()
        check(d.find_element(By.ID, "t0").get_attribute("value") != "", "the other rows keep their values")
        self.submit(d.find_element(By.ID, "submit"))
        check(self.text("#saved").endswith("30"), "the round says 30 ops were stored")
        after = self.cli_json("list", "--data", self.shihua.dir, "health_check", "--json")
        ids_before = {e["id"] for e in before}
        new = [e for e in after if e["id"] not in ids_before]
        check(len(new) == 30, "linli list health_check shows the 30 new checks (%d)" % len(new))
        got = sorted((e["key"], e["event"]["temp_dc"]) for e in new)
        check(got == sorted(zip(keys, temps)), "the checks the CLI lists are those typed in the form")
        check(all(e["event"].get("checked_by") == "clerk1" for e in new),
              "each check names the account that recorded it")
        check(int(self.text("#round-checked")) >= 30, "the round page counts them as checked today")

    def t_bad_value(self):
        d = self.driver
        before = self.ops(self.shihua)
        self.get(self.shihua, "/form/gate_check?v=add")
        d.find_element(By.ID, "f-key").send_keys("SH-C01-gate")
        d.find_element(By.CSS_SELECTOR, "#f-direction option[value=in]").click()
        d.find_element(By.ID, "f-person").send_keys("r-SH-00001")
        d.find_element(By.ID, "f-purpose").send_keys("买菜")
        d.find_element(By.ID, "f-temp_dc").send_keys("50.1")
        self.submit(d.find_element(By.ID, "submit"))
        err = d.find_elements(By.ID, "error-temp_dc")
        check(err and "50.1" in err[0].text, "the bad temperature is said next to its field")
        label = d.find_element(By.ID, "f-temp_dc").find_element(By.XPATH, "..")
        check("bad" in label.get_attribute("class"), "the field is marked")
        check(d.find_element(By.ID, "f-purpose").get_attribute("value") == "买菜", "the other values stay")
        self.shot("form-error")
        check(self.ops(self.shihua) == before, "nothing was written")
        temp = d.find_element(By.ID, "f-temp_dc")
        temp.clear()
        temp.send_keys("36.5")
        self.submit(d.find_element(By.ID, "submit"))
        check(d.find_elements(By.ID, "saved"), "the corrected form is recorded")
        check(self.ops(self.shihua) == before + 1, "one op was written")
        check(len(d.find_elements(By.CSS_SELECTOR, "#history tr")) >= 2, "the gate's page has its history")

    def t_script_name(self):
        d = self.driver
        name = "<script>alert(1)</script>"
        hh = self.cli_json("list", "--data", self.shihua.dir, "household", "--json")[3]["key"]
        self.cli("resident", "add", "--data", self.shihua.dir, "r-SH-XSS01", "household=" + hh, "name=" + name)
        self.get(self.shihua, "/record/resident?k=r-SH-XSS01")
        try:
            d.switch_to.alert
            alert = True
        except NoAlertPresentException:
            alert = False
        check(not alert, "no script ran")
        check(self.text('[data-field="name"]') == name, "the name is shown as text")
        check("&lt;script&gt;alert(1)&lt;/script&gt;" in d.page_source, "the page holds it escaped")
        self.get(self.shihua, "/list/resident?q=script")
        check(name in self.text("#list"), "the list shows it as text too")
        self.shot("script-name")

    def t_declare_approve(self):
        d = self.driver
        self.get(self.shihua, "/community")
        links = d.find_elements(By.CSS_SELECTOR, "#verdicts a[href^='/declare']")
        check(links, "an eligible compound can be declared from the community page")
        if not links:
            return
        compound = urllib.parse.parse_qs(urllib.parse.urlparse(links[0].get_attribute("href")).query)["compound"][0]
        self.submit(links[0])
        self.shot("declare")
        reason = d.find_elements(By.ID, "f-reason")
        if reason:  # measures marked in place that the sample's records do not show
            check(d.find_elements(By.ID, "unbacked"), "the page names the measures without evidence")
            self.submit(d.find_element(By.ID, "declare"))
            check(d.find_elements(By.ID, "form-error"), "without a reason the declaration is refused")
            d.find_element(By.ID, "f-reason").send_keys("台账在纸上，明日补录")
        self.submit(d.find_element(By.ID, "declare"))
        check(d.find_elements(By.ID, "saved"), "the declaration is recorded")
        self.wait_sync("the declaration")
        self.login(self.hub, "approver1", "approver-pass-1")
        self.get(self.hub, "/district")
        row = d.find_elements(By.ID, "q-shihua-" + compound)
        check(row, "the hub's queue lists the declaration of %s" % compound)
        if not row:
            return
        if reason:
            check("台账在纸上，明日补录" in row[0].text, "the hub's queue shows the reason of the forced declaration")
        self.shot("district-queue")
        before = self.ops(self.hub)
        self.submit(row[0].find_element(By.CSS_SELECTOR, "button.reject"))
        check(d.find_elements(By.CSS_SELECTOR, "#q-shihua-%s .field-error" % compound),
              "a rejection without a reason is refused next to the reason")
        check(self.ops(self.hub) == before, "and writes nothing")
        row = d.find_element(By.ID, "q-shihua-" + compound)
        self.submit(row.find_element(By.CSS_SELECTOR, "button.approve"))
        check(d.find_elements(By.ID, "saved"), "the approval is recorded")
        state = d.find_element(By.XPATH, "//table[@id='compounds']//tr[td[2]='%s']/td[4]" % compound)
        check(state.get_attribute("data-state") == "certified", "the hub shows %s certified" % compound)
        self.wait_sync("the approval")
        certs = self.cli_json("certifications", "--data", self.shihua.dir, "--json")["compounds"]
        mine = [c for c in certs if c["compound"] == compound]
        check(mine and mine[0]["state"] == "certified", "the community node holds %s CERTIFIED" % compound)
        self.login(self.shihua, "clerk1", "clerk-pass-1")
        self.get(self.shihua, "/district")
        state = d.find_element(By.XPATH, "//table[@id='compounds']//tr[td[2]='%s']/td[4]" % compound)
        check(state.get_attribute("data-state") == "certified",
              "the community node's page shows %s certified" % compound)

    def t_refusals(self):
        # a POST without the CSRF token
        st, sess, _ = self.http_login(self.shihua, "clerk1", "clerk-pass-1")
        check(st == 303 and sess, "the clerk logs in over plain HTTP")
        before = self.ops(self.shihua)
        form = {"key": "SH-C01-gate", "direction": "in", "person": "r-SH-00001", "purpose": "x",
                "temp_dc": "36.6"}
        st, h, body = self.http(self.shihua, "/form/gate_check?v=add", form, {"linli_s": sess})
        check(st == 403, "a POST without the CSRF token is refused (%d)" % st)
        bad = dict(form, csrf="0" * 64)
        st, h, body = self.http(self.shihua, "/form/gate_check?v=add", bad, {"linli_s": sess})
        check(st == 403, "a POST with a wrong CSRF token is refused")
        good = dict(form, csrf=self.csrf_of(self.shihua, "/form/gate_check?v=add", sess))
        st, h, body = self.http(self.shihua, "/form/gate_check?v=add", good, {"linli_s": sess},
                                {"Origin": "http://evil.example"})
        check(st == 403, "a POST from another origin is refused")
        check(self.ops(self.shihua) == before, "none of them wrote anything")
        st, h, body = self.http(self.shihua, "/form/gate_check?v=add", good, {"linli_s": sess})
        check(st == 303, "the same POST with its token is recorded")
        # stock in: listed items only, with the receipt's source
        url = "/form/supply_stock?v=in"
        stock = {"key": "SH-stock", "item0": "fish", "qty0": "7",
                 "csrf": self.csrf_of(self.shihua, url, sess)}
        before = self.ops(self.shihua)
        st, h, body = self.http(self.shihua, url, stock, {"linli_s": sess})
        check(st == 422 and "source=" in body, "stock in without a source is refused (%d)" % st)
        st, h, body = self.http(self.shihua, url, dict(stock, item0="fihs", source="x"), {"linli_s": sess})
        check(st == 422 and "did you mean fish?" in body, "stock in of an unlisted item is refused (%d)" % st)
        check(self.ops(self.shihua) == before, "neither wrote anything")
        st, h, body = self.http(self.shihua, url, dict(stock, source="爱心企业"), {"linli_s": sess})
        check(st == 303, "stock in with its source is recorded (%d)" % st)
        receipts = self.cli_json("list", "--data", self.shihua.dir, "stock_receipt", "--json")
        check(any(e["event"]["source"] == "爱心企业" and e["event"]["items"] == "fish:7" for e in receipts),
              "the receipt is logged with its source")
        # a viewer posting
        st, vs, _ = self.http_login(self.shihua, "viewer2", "viewer-pass-2")
        before = self.ops(self.shihua)
        csrf = self.csrf_of(self.shihua, "/form/gate_check?v=add", vs)
        st, h, body = self.http(self.shihua, "/form/gate_check?v=add", dict(form, csrf=csrf), {"linli_s": vs})
        check(st == 403 and "角色" in body, "a viewer's POST is refused for the role (%d)" % st)
        csrf = self.csrf_of(self.shihua, "/round?grid=SH-G1", vs)
        st, h, body = self.http(self.shihua, "/round", {"csrf": csrf, "grid": "SH-G1", "n": "1",
                                                        "k0": "r-SH-00001", "t0": "36.6"}, {"linli_s": vs})
        check(st == 403, "a viewer's health round is refused")
        check(self.ops(self.shihua) == before, "a viewer wrote nothing")
        # the 11th wrong password
        for i in range(10):
            st, s, body = self.http_login(self.shihua, "lock1", "wrong-%d-pass" % i)
            if st != 401:
                break
        check(st == 401, "ten wrong passwords are each refused")
        st, s, body = self.http_login(self.shihua, "lock1", "lock-pass-1")
        check(st == 429 and s is None and "15" in body, "the 11th attempt is refused, even with the right "
              "password (%d)" % st)
        # every response carries the CSP
        for path in ("/login", "/static/app.css", "/nope", "/metrics"):
            st, h, body = self.http(self.shihua, path)
            check(h.get("Content-Security-Policy") == CSP, "CSP on %s (%d)" % (path, st))
        st, h, body = self.http(self.shihua, "/community", cookies={"linli_s": sess})
        check(h.get("Content-Security-Policy") == CSP and "<script" not in body, "CSP on a page, no script")

    def t_expiry(self):
        st, sess, _ = self.http_login(self.chuan, "idle1", "idle-pass-1")
        st, h, body = self.http(self.chuan, "/community", cookies={"linli_s": sess})
        check(st == 200, "a fresh session reads")
        time.sleep(11)
        st, h, body = self.http(self.chuan, "/community", cookies={"linli_s": sess})
        check(st == 303 and h.get("Location") == "/login", "after http_idle_s unused the session is over")
        st, h, body = self.http(self.chuan, "/logout", {"csrf": "x"}, {"linli_s": sess})
        check(st == 403, "an expired session cannot post")

    def t_phone(self):
        d = self.driver
        self.login(self.shihua, "clerk1", "clerk-pass-1")
        self.size(390, 844)
        pages = ["/community", "/round?grid=SH-G1", "/form/gate_check?v=add", "/form/case_status?v=add",
                 "/form/case_status?v=set&only=release_date", "/form/distribution?v=add",
                 "/form/group_order?v=add", "/form/proxy_request?v=add",
                 "/form/proxy_request?v=set&only=status", "/form/disinfection?v=add",
                 "/form/measures?v=set", "/form/resident?v=add", "/declare?compound=SH-C01",
                 "/list/resident", "/district", "/status"]
        for p in pages:
            self.get(self.shihua, p)
            check(self.no_hscroll(), "390 x 844: %s has no horizontal scrolling" % p)
            self.shot("phone" + re.sub(r"[^a-z0-9]+", "-", p))
        self.get(self.shihua, "/login")
        self.size(1280, 1000)

    def metrics(self, node):
        st, h, body = self.http(node, "/metrics")
        fams = {f.name: f for f in text_string_to_metric_families(body)}
        return st, fams

    def t_metrics(self):
        st, fams = self.metrics(self.hub)
        check(st == 200, "/metrics answers on loopback without a token")
        for name in ("linli_up", "linli_ops", "linli_scope_ops", "linli_rejected_ops", "linli_held_ops",
                     "linli_peer_last_sync_timestamp_seconds", "linli_peer_lag_ops",
                     "linli_peer_ops_received", "linli_peer_bytes_received", "linli_http_requests",
                     "linli_district_compounds", "linli_district_compounds_epidemic_free"):
            check(name in fams, "/metrics has %s" % name)
        def received(f):
            return sum(s.value for s in f["linli_peer_ops_received"].samples if s.name.endswith("_total"))
        scopes = {s.labels["scope"]: s.value for s in fams["linli_scope_ops"].samples}
        check(set(scopes) == {"qiaokou", "shihua", "chuanchang"}, "ops per scope for every scope")
        r0, s0 = received(fams), scopes["shihua"]
        self.cli("check", "health", "--data", self.shihua.dir, "r-SH-00002", "--temp", "36.4")
        self.wait_sync("a new check")
        time.sleep(0.5)
        st, fams = self.metrics(self.hub)
        scopes = {s.labels["scope"]: s.value for s in fams["linli_scope_ops"].samples}
        check(received(fams) > r0, "linli_peer_ops_received_total moved after a sync (%d -> %d)" %
              (r0, received(fams)))
        check(scopes["shihua"] == s0 + 1, "linli_scope_ops{scope=shihua} grew by the one op")
        rep = self.cli_json("report", "--data", self.hub.dir, "district", "--json")
        comp = [s.value for s in fams["linli_district_compounds"].samples][0]
        check(comp == rep["compounds"], "the district gauge = linli report")
        body = self.http(self.hub, "/metrics")[2]
        check("r-SH-" not in body and "石化" not in body, "no record key or name in /metrics")

    def run(self):
        self.setup()
        self.browser()
        for t in (self.t_login_and_pages, self.t_district_figures, self.t_status,
                  self.t_community_lists, self.t_round, self.t_bad_value, self.t_script_name,
                  self.t_declare_approve, self.t_refusals, self.t_expiry, self.t_phone, self.t_metrics):
            t0 = time.time()
            try:
                t()
            except Exception as e:  # a check that cannot even run is a failure
                check(False, "%s raised %s: %s" % (t.__name__, type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
                try:
                    self.shot("failed-" + t.__name__)
                except Exception:
                    pass
            print("%s: %.1f s" % (t.__name__, time.time() - t0), flush=True)

    def close(self):
        if self.driver:
            self.driver.quit()
        for n in self.nodes:
            n.stop()
        for n in self.nodes:
            log = os.path.join(self.root, n.name + ".log")
            if os.path.exists(log):
                shutil.copy(log, os.path.join(self.out, n.name + ".log"))
        shutil.rmtree(self.root, ignore_errors=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--linli", required=True)
    p.add_argument("--linlid", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    t = Test(a)
    try:
        t.run()
    finally:
        t.close()
    print("screenshots in", t.shots)
    if FAILURES:
        print("%d check(s) failed:" % len(FAILURES))
        for f in FAILURES:
            print("  " + f)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
