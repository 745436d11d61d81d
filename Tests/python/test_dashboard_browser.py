"""The web dashboard in headless Chromium (Debian's chromium + chromium-driver, driven by selenium)
against a real `lorikeet serve` fed by `lorikeet simulate` (three ABP devices sending Cayenne LPP
through a packet-forwarder gateway over UDP), so the pages show real uplinks and telemetry.

Asserts: the login page takes the admin key; the overview shows the simulated devices; a device's
metric chart is a Chart.js chart with data points; a query in the console returns rows (and draws
its chart); a hostile device name is shown as text; a wrong key gets a clear 401 message.
Screenshots go to test-artifacts/ (gitignored).
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from test_ns_udp import BINARY, REPO, free_port, lorikeet, start_server

try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError as e:  # `make test` installs it (PIP_TEST_DEPS); say so rather than skip silently.
    raise RuntimeError("selenium is missing: run `make test-deps` (pip install selenium)") from e

ARTIFACTS = os.path.join(REPO, "test-artifacts")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
DEVICES = [{"dev_eui": f"70b3d57ed00000{i:02x}", "dev_addr": f"0200000{i}", "nwk_s_key": f"2b7e151628aed2a6abf7158809cf4f{i:02x}",
            "app_s_key": f"000102030405060708090a0b0c0d0e{i:02x}", "application_id": "dash", "device_profile_id": "lpp"}
           for i in range(1, 4)]


def api(http, key, path, body=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{http}{path}", data=data, method=method or ("POST" if data else "GET"),
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{req.method} {path}: {e.code} {e.read()[:500]!r}") from None


@pytest.fixture(scope="module")
def fed_server():
    """A server with three simulated devices that have sent uplinks and telemetry."""
    data_dir = tempfile.mkdtemp(prefix="lorikeet-dash-")
    path = os.path.join(data_dir, "devices.json")
    with open(path, "w") as f:
        json.dump(DEVICES, f)
    for args in (["application", "add", "--id", "dash"],
                 ["device-profile", "add", "--id", "lpp", "--region", "EU868", "--codec", "cayenne-lpp"],
                 ["device", "import", path]):
        r = lorikeet(*args, data_dir=data_dir)
        assert r.returncode == 0, r.stderr
    udp, http = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    proc = start_server(data_dir, udp, http)
    try:
        key = open(os.path.join(data_dir, "admin.key")).read().strip()
        r = subprocess.run([BINARY, "simulate", "--server", f"127.0.0.1:{udp}", "--devices-file", path, "--interval", "0.5",
                            "--duration", "2.5", "--payload", "cayenne"], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        sent = json.loads(r.stdout.strip().splitlines()[-1])["uplinksSent"]
        assert sent >= 12
        # Uplinks are committed shortly after the deduplication window: wait until the store has them.
        deadline = time.time() + 30
        while True:
            rows = api(http, key, "/api/query", {"sql": "SELECT count(*) AS n FROM uplinks", "format": "json"})
            points = api(http, key, "/api/query", {"sql": "SELECT count(*) AS n FROM telemetry WHERE metric = 'temperature_1'"})
            if (rows[0]["n"] >= sent and points[0]["n"] >= sent) or time.time() > deadline:
                break
            time.sleep(0.2)
        assert rows[0]["n"] == sent and points[0]["n"] == sent, (rows, points, sent)
        yield {"http": http, "key": key, "data_dir": data_dir, "sent": sent, "base": f"http://127.0.0.1:{http}"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    for program in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(program):
            raise RuntimeError(f"{program} is missing: run `make test-deps` (Debian packages chromium, chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--no-first-run", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    os.makedirs(ARTIFACTS, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver, condition, what, timeout=30):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: condition(d))
    except TimeoutException:
        driver.save_screenshot(os.path.join(ARTIFACTS, "failure.png"))
        raise AssertionError(f"timed out waiting for {what}; page {driver.current_url}:\n{driver.find_element(By.TAG_NAME, 'body').text[:2000]}")


def text_of(driver, css):
    """The rendered text of the first match, or None: read in one script call, so a table the page
    replaces meanwhile cannot go stale between finding and reading it."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css)


def js_errors(driver):
    """Console errors other than failed requests (404s of API parts this server may not have, the
    overview's fallback query on an `events` table that may not exist): script errors, CSP refusals."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]


def login(driver, base, key):
    driver.get(base + "/")
    wait(driver, lambda d: "login.html" in d.current_url and d.find_elements(By.ID, "api-key"), "the login page")
    driver.find_element(By.ID, "api-key").send_keys(key)
    driver.find_element(By.ID, "login-button").click()
    # The login page's own address carries ?next=index.html: compare paths, not substrings.
    wait(driver, lambda d: urllib.parse.urlparse(d.current_url).path in ("/ui/", "/ui/index.html"), "the overview after login")


def ensure_logged_in(driver, server):
    """Logs in unless this tab already holds the key (each test can also run alone)."""
    driver.get(server["base"] + "/ui/login.html")
    if driver.execute_script("return sessionStorage.getItem('lorikeet.apiKey')") != server["key"]:
        login(driver, server["base"], server["key"])


def test_dashboard_pages_show_the_simulated_network(fed_server, browser):
    base, key = fed_server["base"] + "/ui", fed_server["key"]
    login(browser, fed_server["base"], key)
    assert browser.execute_script("return sessionStorage.getItem('lorikeet.apiKey')") == key
    assert browser.execute_script("return localStorage.length") == 0  # the key is never persisted

    # Overview: the simulated devices, registered and online, and the uplinks of the last hour.
    wait(browser, lambda d: d.execute_script(
        "return ['stat-devices','stat-online','stat-uplinks'].every(id => document.getElementById(id)?.dataset.loaded)"), "the overview cards")
    assert text_of(browser, "#stat-devices") == "3"
    assert text_of(browser, "#stat-online") == "3"
    assert text_of(browser, "#stat-uplinks") == str(fed_server["sent"])
    wait(browser, lambda d: d.execute_script("return !!window.lorikeetCharts['uplinks-per-minute']"), "the uplinks chart")
    per_minute = browser.execute_script(
        "return window.lorikeetCharts['uplinks-per-minute'].data.datasets[0].data.reduce((n, p) => n + p.y, 0)")
    assert per_minute == fed_server["sent"]
    browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-overview.png"))

    # Devices: one row per device with its last RSSI and decoded values.
    browser.get(base + "/devices.html")
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#devices tbody tr a")) == 3, "three device rows")
    table = text_of(browser, "#devices")
    for d in DEVICES:
        assert d["dev_eui"] in table
    assert "temperature_1" in table and "relative_humidity_2" in table
    browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-devices.png"))

    # One device: a Chart.js chart per metric, with one point per uplink of that device.
    eui = DEVICES[0]["dev_eui"]
    browser.get(f"{base}/device.html?devEui={eui}")
    wait(browser, lambda d: d.execute_script("return document.getElementById('charts')?.dataset.drawn"), "the device charts")
    lengths = browser.execute_script(
        "return Object.fromEntries(Object.entries(window.lorikeetCharts).filter(([k]) => k.startsWith('metric:'))"
        ".map(([k, c]) => [k.slice(7), c.data.datasets[0].data.length]))")
    assert {"temperature_1", "relative_humidity_2", "rssi", "snr"} <= set(lengths), lengths
    per_device = api(fed_server["http"], key, "/api/query",
                     {"sql": f"SELECT count(*) AS n FROM uplinks WHERE lower(dev_eui) = '{eui}'"})[0]["n"]
    assert per_device >= 4
    assert lengths["temperature_1"] == per_device
    # It is a real Chart.js instance bound to a drawn canvas.
    assert browser.execute_script(
        "const c = document.querySelector('[data-metric=\"temperature_1\"] canvas');"
        "return !!c && Chart.getChart(c) === window.lorikeetCharts['metric:temperature_1'] && c.width > 0")
    assert '"temperature_1"' in text_of(browser, "#last-object")
    browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-device.png"))

    # Query console: CodeMirror from Debian's package, a query that returns a row per device.
    browser.get(base + "/query.html")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#result-count"), "the first query")
    assert browser.execute_script("return !!document.querySelector('.CodeMirror')"), "CodeMirror did not load"
    browser.execute_script("document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0])",
                           "SELECT time_bucket('1 second', time) AS bucket, device, avg(value) AS temperature "
                           "FROM telemetry WHERE metric = 'temperature_1' GROUP BY bucket, device ORDER BY bucket")
    browser.find_element(By.ID, "run").click()
    wait(browser, lambda d: "70b3d57ed0000003" in (text_of(d, "#result-table") or "").lower()
         and d.execute_script("return document.querySelector('#result-table thead').textContent.includes('temperature')"), "the query result")
    rows = int(browser.find_element(By.ID, "result-count").get_attribute("data-rows"))
    assert rows >= 3 and len(browser.find_elements(By.CSS_SELECTOR, "#result-table tbody tr")) == rows
    series = browser.execute_script("return window.lorikeetCharts['query-result'].data.datasets.map(s => [s.label, s.data.length])")
    assert sorted(s[0].lower() for s in series) == sorted(d["dev_eui"] for d in DEVICES), series
    assert sum(s[1] for s in series) == rows
    browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-query.png"))

    # A bad query: the server's message is shown, the page carries on.
    browser.execute_script("document.querySelector('.CodeMirror').CodeMirror.setValue('SELECT nope FROM telemetry')")
    browser.find_element(By.ID, "run").click()
    wait(browser, lambda d: "nope" in (text_of(d, "#result-status .error") or ""), "the query error")

    # Gateways, live frames, rules & alerts: each page loads and either works or says what is missing.
    browser.get(base + "/gateways.html")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#gateways tbody tr .mono"), "the simulated gateway's row")
    browser.get(base + "/live.html")
    wait(browser, lambda d: text_of(d, "#stream-state") in ("connected", "not available"), "the live stream state")
    browser.get(base + "/alerts.html")
    wait(browser, lambda d: all(text_of(d, f"#{s}") and "Loading" not in text_of(d, f"#{s}") for s in ("alerts", "rules", "detectors")),
         "the rules and alerts sections")
    browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-alerts.png"))
    assert js_errors(browser) == []


def test_device_names_are_shown_as_text_not_html(fed_server, browser):
    base, key = fed_server["base"] + "/ui", fed_server["key"]
    hostile = '<img src=x onerror="window.pwned=1"><b>bold</b>'
    api(fed_server["http"], key, "/api/devices", {"devEUI": "70b3d57ed00000ff", "applicationID": "dash", "deviceProfileID": "lpp",
                                                 "appKey": "2b7e151628aed2a6abf7158809cf4f3c", "name": hostile})
    try:
        ensure_logged_in(browser, fed_server)
        browser.get(base + "/devices.html")
        wait(browser, lambda d: "70b3d57ed00000ff" in (text_of(d, "#devices") or ""), "the new device row")
        assert hostile in text_of(browser, "#devices")
        assert browser.find_elements(By.CSS_SELECTOR, "#devices img") == []
        assert browser.find_elements(By.XPATH, "//table[@id='devices']//b[text()='bold']") == []
        assert browser.execute_script("return window.pwned === undefined")
    finally:
        api(fed_server["http"], key, "/api/devices/70b3d57ed00000ff", method="DELETE")


def test_pages_work_without_the_vendor_libraries(fed_server, browser):
    """Without Debian's libjs-chart.js and libjs-codemirror (requests to /ui/vendor/ blocked): charts
    become tables, the editor a textarea, and each says what to install."""
    base, key = fed_server["base"] + "/ui", fed_server["key"]
    ensure_logged_in(browser, fed_server)
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/ui/vendor/*"]})
    try:
        eui = DEVICES[1]["dev_eui"]
        browser.get(f"{base}/device.html?devEui={eui}")
        wait(browser, lambda d: d.execute_script("return document.getElementById('charts')?.dataset.drawn"), "the device metrics")
        box = browser.find_element(By.CSS_SELECTOR, "[data-metric='temperature_1']")
        assert "libjs-chart.js" in box.text
        assert len(box.find_elements(By.CSS_SELECTOR, "tbody tr")) >= 4
        assert browser.execute_script("return typeof Chart") == "undefined"
        browser.get(base + "/query.html?sql=" + urllib.parse.quote("SELECT device, count(*) AS n FROM telemetry GROUP BY device"))
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#result-count"), "the query result")
        assert "libjs-codemirror" in text_of(browser, "#editor-note")
        assert browser.find_element(By.ID, "sql").is_displayed()
        assert browser.find_element(By.ID, "result-count").get_attribute("data-rows") == "3"
        browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-query-no-vendor.png"))
        # The rule form falls back to plain textareas that are typed into and sent as they are.
        browser.get(base + "/alerts.html")
        wait(browser, lambda d: d.find_elements(By.ID, "new-rule"), "the rules section")
        browser.find_element(By.ID, "new-rule").click()
        wait(browser, lambda d: d.find_element(By.ID, "rule-sql").is_displayed(), "the plain SQL textarea")
        assert not browser.find_elements(By.CSS_SELECTOR, "#rule-form .CodeMirror")
        browser.find_element(By.ID, "rule-name").send_keys("plain_rule")
        sql = browser.find_element(By.ID, "rule-sql")
        sql.clear()
        sql.send_keys("SELECT * FROM 'a' WHERE (")
        browser.find_element(By.ID, "rule-save").click()
        wait(browser, lambda d: "sql_syntax" in (text_of(d, "#rule-error") or ""), "the SQL error without CodeMirror")
        assert "1:26" in text_of(browser, "#rule-error")
        browser.find_element(By.ID, "rule-cancel").click()
        assert not browser.find_element(By.ID, "rule-form").is_displayed()
    finally:
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})


# Installed before the page's scripts run (CDP): answers GET /api/stream with a ChirpStack-style up
# event and a ping, and /api/query with 403 when sessionStorage.forbidQuery is set, so the live page and a
# scoped key's view are checked before the stream and roles exist on this server.
FAKE_API = r"""
(() => {
  const realFetch = window.fetch.bind(window);
  const up = {deduplicationId: "d1", time: "2026-11-28T12:00:00Z",
              deviceInfo: {applicationId: "dash", devEui: "70b3d57ed0000001", deviceName: "<b>x</b>"},
              devAddr: "02000001", fCnt: 42, fPort: 1, data: "AWcA0QJoVA==", object: {temperature_1: 20.9},
              rxInfo: [{gatewayId: "aa555a0000000101", rssi: -57, snr: 9.5}]};
  window.fetch = (url, options) => {
    const path = String(url);
    if (path.startsWith('/api/stream')) {
      window.__stream = {url: path, auth: options && options.headers && options.headers.Authorization};
      const text = ': ping\n\nevent: up\ndata: ' + JSON.stringify(up) + '\n\n';
      const body = new ReadableStream({start(c) { c.enqueue(new TextEncoder().encode(text)); }});
      return Promise.resolve(new Response(body, {status: 200, headers: {'Content-Type': 'text/event-stream'}}));
    }
    if (path.startsWith('/api/query') && sessionStorage.getItem('forbidQuery')) {
      return Promise.resolve(new Response(JSON.stringify({error: 'forbidden', message: 'application keys may not query'}),
                                          {status: 403, headers: {'Content-Type': 'application/json'}}));
    }
    return realFetch(url, options);
  };
})();
"""


def test_live_frames_and_a_scoped_key_with_a_stand_in_api(fed_server, browser):
    base, key = fed_server["base"] + "/ui", fed_server["key"]
    ensure_logged_in(browser, fed_server)
    gateways = api(fed_server["http"], key, "/api/gateways")
    gateways = gateways["items"] if isinstance(gateways, dict) else gateways
    assert len(gateways) == 1  # the simulator's gateway, registered when it first sent
    gateway = gateways[0]["gatewayEUI"].lower()
    source = FAKE_API.replace("aa555a0000000101", gateway)
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})["identifier"]
    try:
        browser.get(base + "/live.html")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#frames tr.frame-up"), "a live uplink row")
        row = text_of(browser, "#frames tr.frame-up")
        for part in ("up", "70b3d57ed0000001", "42", "-57", "9.5", gateway, '{"temperature_1":20.9}'):
            assert part in row, (part, row)
        assert text_of(browser, "#stream-state") == "connected"
        stream = browser.execute_script("return window.__stream")
        assert stream["auth"] == f"Bearer {key}" and "types=up" in stream["url"] and key not in stream["url"]
        browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-live.png"))

        browser.get(base + "/gateways.html")
        wait(browser, lambda d: [c.text for c in d.find_elements(By.CSS_SELECTOR, "#gateways td.num")] == ["1"], "the frame counted for the gateway")
        browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-gateways.png"))

        # A key whose role may not query: the overview says so on each SQL-backed card, the rest works.
        browser.execute_script("sessionStorage.setItem('forbidQuery', '1')")
        browser.get(base + "/index.html")
        wait(browser, lambda d: d.execute_script("return document.getElementById('stat-online').dataset.loaded") == "error", "the refused card")
        assert "role may not do this (403" in text_of(browser, "#stat-online-sub")
        assert "application keys may not query" in text_of(browser, "#stat-online-sub")
        wait(browser, lambda d: text_of(d, "#stat-devices") == "3", "the device count, which the role may read")
    finally:
        browser.execute_script("sessionStorage.removeItem('forbidQuery')")
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script})


# A stand-in for the rules helper's routes (per the HTTP API contract): one firing alert that can be
# acknowledged and resolved, one rule that can be disabled and enabled, one detector. Every call is
# recorded in window.__calls (method, path, bearer key).
FAKE_RULES_API = r"""
(() => {
  const realFetch = window.fetch.bind(window);
  const state = JSON.parse(sessionStorage.getItem('fakeRulesState') || 'null') || {
    alert: {id: 'al-1', detectorID: 'too-hot', detectorType: 'threshold', device: '70b3d57ed0000001', severity: 'critical',
            state: 'firing', message: 'temperature_1 > 30 for 60 s', value: 31.5, firedAt: Date.now() - 120000,
            updatedAt: Date.now() - 60000, fireCount: 2},
    rule: {name: 'too_warm', sql: "SELECT object.temperature_1 AS t FROM 'application/+/device/+/event/up'",
           actions: [{republish: {topic: 'alerts/warm'}}], enabled: true},
    calls: []};
  const save = () => sessionStorage.setItem('fakeRulesState', JSON.stringify(state));
  const json = (body, status = 200) => Promise.resolve(new Response(JSON.stringify(body), {status, headers: {'Content-Type': 'application/json'}}));
  window.fetch = (url, options = {}) => {
    const u = new URL(String(url), location.href);
    const method = options.method || 'GET';
    if (!/^\/api\/(alerts|rules|detectors)/.test(u.pathname)) return realFetch(url, options);
    state.calls.push([method, u.pathname + u.search, options.headers && options.headers.Authorization]);
    save();
    window.__calls = state.calls;
    if (method === 'GET' && u.pathname === '/api/alerts') {
      const want = u.searchParams.get('state');
      const items = !want || want === state.alert.state ? [state.alert] : [];
      return json({items, total: items.length, limit: Number(u.searchParams.get('limit')), offset: Number(u.searchParams.get('offset'))});
    }
    let m = u.pathname.match(/^\/api\/alerts\/([^/]+)\/(acknowledge|resolve)$/);
    if (method === 'POST' && m && m[1] === state.alert.id) {
      state.alert.state = m[2] === 'acknowledge' ? 'acknowledged' : 'resolved';
      save();
      return json(state.alert);
    }
    if (method === 'GET' && u.pathname === '/api/rules') return json([state.rule]);
    m = u.pathname.match(/^\/api\/rules\/([^/]+)\/(enable|disable)$/);
    if (method === 'POST' && m && m[1] === state.rule.name) {
      state.rule.enabled = m[2] === 'enable';
      save();
      return json(state.rule);
    }
    if (method === 'GET' && u.pathname === '/api/detectors') {
      return json({items: [{id: 'too-hot', type: 'threshold', metric: 'temperature_1', above: 30}], total: 1, limit: 1000, offset: 0});
    }
    return json({error: 'not_found', message: 'no such route in the stand-in'}, 404);
  };
})();
"""


def test_alerts_and_rules_actions_with_a_stand_in_api(fed_server, browser):
    base, key = fed_server["base"] + "/ui", fed_server["key"]
    ensure_logged_in(browser, fed_server)
    browser.execute_script("sessionStorage.removeItem('fakeRulesState')")
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FAKE_RULES_API})["identifier"]
    try:
        browser.get(base + "/alerts.html")
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#alerts-table button.ack"), "the firing alert")
        row = text_of(browser, "#alerts-table tbody tr")
        assert "70b3d57ed0000001" in row and "too-hot (threshold)" in row and "critical" in row and "31.5" in row
        assert "too_warm" in text_of(browser, "#rules-table") and "republish" in text_of(browser, "#rules-table")
        assert "threshold" in text_of(browser, "#detectors-table")

        browser.find_element(By.CSS_SELECTOR, "#alerts-table button.ack").click()
        wait(browser, lambda d: "No firing alerts." in (text_of(d, "#alerts-table") or ""), "the acknowledged alert to leave the firing list")
        Select(browser.find_element(By.ID, "alert-state")).select_by_visible_text("all")
        wait(browser, lambda d: "acknowledged" in (text_of(d, "#alerts-table tbody") or ""), "the acknowledged alert")
        assert browser.find_elements(By.CSS_SELECTOR, "#alerts-table button.ack") == []
        browser.find_element(By.CSS_SELECTOR, "#alerts-table button.resolve").click()
        wait(browser, lambda d: "resolved" in (text_of(d, "#alerts-table tbody") or "")
             and not d.find_elements(By.CSS_SELECTOR, "#alerts-table button.resolve"), "the resolved alert")

        browser.find_element(By.XPATH, "//table[@id='rules-table']//button[text()='Disable']").click()
        wait(browser, lambda d: d.find_elements(By.XPATH, "//table[@id='rules-table']//button[text()='Enable']"), "the disabled rule")
        browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-alerts-actions.png"))

        calls = browser.execute_script("return window.__calls")
        posts = [c[1] for c in calls if c[0] == "POST"]
        assert posts == ["/api/alerts/al-1/acknowledge", "/api/alerts/al-1/resolve", "/api/rules/too_warm/disable"], calls
        assert all(c[2] == f"Bearer {key}" for c in calls)
        assert ["GET", "/api/alerts?state=firing&limit=1000&offset=0", f"Bearer {key}"] in calls
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script})
        browser.execute_script("sessionStorage.removeItem('fakeRulesState')")


def test_a_refused_key_gets_a_clear_message(fed_server, browser):
    base = fed_server["base"] + "/ui"
    browser.get(base + "/login.html")
    browser.execute_script("sessionStorage.setItem('lorikeet.apiKey', 'not-the-key')")
    browser.get(base + "/index.html")
    wait(browser, lambda d: "refused the API key (401)" in (text_of(d, "#stat-devices-sub") or ""), "the 401 message")
    assert browser.find_elements(By.CSS_SELECTOR, "#stat-devices-sub a[href^='login.html']")
    # The login page itself refuses the key before storing it.
    browser.execute_script("sessionStorage.clear()")
    browser.get(base + "/login.html")
    browser.find_element(By.ID, "api-key").send_keys("not-the-key")
    browser.find_element(By.ID, "login-button").click()
    wait(browser, lambda d: "refused this key (401)" in (text_of(d, "#login-message") or ""), "the login refusal")
    assert browser.execute_script("return sessionStorage.getItem('lorikeet.apiKey')") is None


def test_the_stream_parser_splits_server_sent_events(fed_server, browser):
    """stream.js parses SSE itself (EventSource cannot send the bearer key): events, multi-line data,
    comments (the server's pings), CRLF, and an unfinished event kept for the next chunk."""
    browser.get(fed_server["base"] + "/ui/login.html")
    chunk = 'event: up\ndata: {"a":1}\n\n: ping\n\nevent: join\r\ndata: x\r\ndata: y\r\n\r\ndata:plain\n\nevent: up\ndata: {"b"'
    out = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "import('./stream.js').then((m) => { const seen = []; const rest = m.parseSSE(arguments[0], (t, d) => seen.push([t, d]));"
        "done([seen, rest]); }, (e) => done(String(e)));", chunk)
    assert out == [[["up", '{"a":1}'], ["join", "x\ny"], ["message", "plain"]], 'event: up\ndata: {"b"']


def raw_api(http, key, method, path, body=None):
    """(status, parsed JSON or None) without raising on 4xx."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{http}{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read()
            return r.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        text = e.read()
        return e.code, (json.loads(text) if text else None)


def set_code(driver, textarea_id, text):
    """Types into a form's code field: the CodeMirror editor over the textarea when the vendor
    library is installed (the textarea is then hidden), else the textarea itself."""
    driver.execute_script(
        "const t = document.getElementById(arguments[0]); const cm = t.nextElementSibling;"
        "if (cm && cm.classList.contains('CodeMirror') && cm.CodeMirror) cm.CodeMirror.setValue(arguments[1]);"
        "else { t.value = arguments[1]; }", textarea_id, text)


def row_button(driver, table_id, key, label):
    """The button labelled `label` (by prefix) in the row of `table_id` whose first cell is `key`."""
    rows = driver.find_elements(By.XPATH, f"//table[@id='{table_id}']/tbody/tr[td[1][normalize-space()='{key}']]")
    buttons = [b for r in rows for b in r.find_elements(By.TAG_NAME, "button") if b.text.startswith(label)]
    return buttons[0] if buttons else None


def test_rules_and_detectors_created_edited_and_deleted_through_the_ui(fed_server, browser):
    """Against the real rules routes of `lorikeet serve`: a rule with bad SQL is refused and the
    server's own message (sql_syntax with line:column) is shown; a good one is created, listed,
    edited and deleted; a detector is created, refused when invalid, and deleted."""
    base, http, key = fed_server["base"] + "/ui", fed_server["http"], fed_server["key"]
    ensure_logged_in(browser, fed_server)
    browser.get(base + "/alerts.html")
    wait(browser, lambda d: all(text_of(d, f"#{s}") and "Loading" not in text_of(d, f"#{s}") for s in ("rules", "detectors")),
         "the rules and detectors sections")
    assert browser.find_element(By.ID, "rule-form").is_displayed() is False

    # Bad SQL: the server refuses it; the page shows the server's code and message, nothing is created.
    bad_sql = "SELECT * FROM 'application/+/device/+/event/up' WHERE ("
    status, expected = raw_api(http, key, "POST", "/api/rules", {"name": "probe_bad", "sql": bad_sql, "actions": []})
    assert status == 400 and expected["error"] == "sql_syntax", expected
    browser.find_element(By.ID, "new-rule").click()
    wait(browser, lambda d: d.find_element(By.ID, "rule-form").is_displayed(), "the rule form")
    browser.find_element(By.ID, "rule-name").send_keys("ui_rule")
    set_code(browser, "rule-sql", bad_sql)
    set_code(browser, "rule-actions", '[{"republish": {"topic": "ui/${devEui}"}}]')
    browser.find_element(By.ID, "rule-save").click()
    wait(browser, lambda d: "sql_syntax" in (text_of(d, "#rule-error") or ""), "the SQL error")
    shown = text_of(browser, "#rule-error")
    assert "400" in shown and expected["message"] in shown, (shown, expected)
    assert raw_api(http, key, "GET", "/api/rules/ui_rule")[0] == 404
    browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-rule-sql-error.png"))

    # Actions that are not JSON are caught before sending.
    set_code(browser, "rule-actions", "[{republish")
    browser.find_element(By.ID, "rule-save").click()
    wait(browser, lambda d: "Actions is not valid JSON" in (text_of(d, "#rule-error") or ""), "the actions JSON error")

    # A good rule: created, listed, stored with its actions.
    good_sql = "SELECT devEui, object.temperature_1 AS t FROM 'application/+/device/+/event/up' WHERE object.temperature_1 > 100"
    set_code(browser, "rule-sql", good_sql)
    set_code(browser, "rule-actions", '[{"republish": {"topic": "ui/${devEui}"}}]')
    browser.find_element(By.ID, "rule-save").click()
    wait(browser, lambda d: row_button(d, "rules-table", "ui_rule", "Edit") is not None, "the new rule in the list")
    assert not browser.find_element(By.ID, "rule-form").is_displayed()
    assert "Saved rule ui_rule" in text_of(browser, "#action-status")
    status, stored = raw_api(http, key, "GET", "/api/rules/ui_rule")
    assert status == 200 and stored["sql"] == good_sql, stored
    assert [a["republish"]["topic"] for a in stored["actions"]] == ["ui/${devEui}"], stored

    # Edit: the form opens with the stored definition; the name is fixed; PUT replaces it.
    row_button(browser, "rules-table", "ui_rule", "Edit").click()
    wait(browser, lambda d: d.find_element(By.ID, "rule-form").is_displayed()
         and d.find_element(By.ID, "rule-form").get_attribute("data-mode") == "edit", "the edit form")
    assert browser.find_element(By.ID, "rule-name").get_attribute("value") == "ui_rule"
    assert not browser.find_element(By.ID, "rule-name").is_enabled()
    browser.find_element(By.ID, "rule-description").send_keys("edited in the dashboard")
    browser.find_element(By.ID, "rule-enabled").click()  # disable it
    browser.find_element(By.ID, "rule-save").click()
    wait(browser, lambda d: "Saved rule ui_rule" in (text_of(d, "#action-status") or "")
         and not d.find_element(By.ID, "rule-form").is_displayed(), "the edited rule")
    status, stored = raw_api(http, key, "GET", "/api/rules/ui_rule")
    assert stored["description"] == "edited in the dashboard" and stored["enabled"] is False and stored["sql"] == good_sql, stored
    wait(browser, lambda d: row_button(d, "rules-table", "ui_rule", "Enable") is not None, "the rule listed as disabled")

    # Delete: asks once more in place, then the rule is gone from the list and the server.
    row_button(browser, "rules-table", "ui_rule", "Delete").click()
    wait(browser, lambda d: row_button(d, "rules-table", "ui_rule", "Really delete") is not None, "the delete confirmation")
    assert raw_api(http, key, "GET", "/api/rules/ui_rule")[0] == 200
    row_button(browser, "rules-table", "ui_rule", "Really delete").click()
    wait(browser, lambda d: row_button(d, "rules-table", "ui_rule", "Edit") is None, "the rule to leave the list")
    assert raw_api(http, key, "GET", "/api/rules/ui_rule")[0] == 404

    # Detectors: an invalid definition shows the server's refusal; a valid one is created and deleted.
    browser.find_element(By.ID, "new-detector").click()
    wait(browser, lambda d: d.find_element(By.ID, "detector-form").is_displayed(), "the detector form")
    invalid = {"id": "ui-det", "threshold": {"metric": "temperature_1", "direction": "sideways", "threshold": 30}}
    status, refused = raw_api(http, key, "POST", "/api/detectors", invalid)
    assert status == 400, refused
    set_code(browser, "detector-json", json.dumps(invalid))
    browser.find_element(By.ID, "detector-save").click()
    wait(browser, lambda d: refused["error"] in (text_of(d, "#detector-error") or ""), "the detector refusal")
    assert refused["message"] in text_of(browser, "#detector-error")
    valid = {"id": "ui-det", "name": "UI detector", "scope": {"application": "dash"}, "severity": "warning",
             "threshold": {"metric": "temperature_1", "direction": "above", "threshold": 100}}
    set_code(browser, "detector-json", json.dumps(valid))
    browser.find_element(By.ID, "detector-save").click()
    wait(browser, lambda d: row_button(d, "detectors-table", "ui-det", "Edit") is not None, "the new detector in the list")
    status, stored = raw_api(http, key, "GET", "/api/detectors/ui-det")
    assert status == 200 and stored["threshold"]["threshold"] == 100, stored

    # Edit a detector (no PUT in the API: the page deletes and re-creates it).
    row_button(browser, "detectors-table", "ui-det", "Edit").click()
    wait(browser, lambda d: d.find_element(By.ID, "detector-form").get_attribute("data-mode") == "edit", "the detector edit form")
    set_code(browser, "detector-json", json.dumps({**valid, "threshold": {**valid["threshold"], "threshold": 120}}))
    # The status line still says "Saved detector ui-det" from the creation above: clear it, so the
    # wait below sees the edit's own message (else it races the page's delete + re-create).
    browser.execute_script("document.getElementById('action-status').textContent = '';")
    browser.find_element(By.ID, "detector-save").click()
    wait(browser, lambda d: "Saved detector ui-det" in (text_of(d, "#action-status") or ""), "the edited detector")
    assert raw_api(http, key, "GET", "/api/detectors/ui-det")[1]["threshold"]["threshold"] == 120

    row_button(browser, "detectors-table", "ui-det", "Delete").click()
    wait(browser, lambda d: row_button(d, "detectors-table", "ui-det", "Really delete") is not None, "the detector delete confirmation")
    row_button(browser, "detectors-table", "ui-det", "Really delete").click()
    wait(browser, lambda d: row_button(d, "detectors-table", "ui-det", "Edit") is None, "the detector to leave the list")
    assert raw_api(http, key, "GET", "/api/detectors/ui-det")[0] == 404
    browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard-rules-editing.png"))
    assert js_errors(browser) == []
