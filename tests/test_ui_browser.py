"""The web UI in a real browser: Playwright drives Debian's Chromium against ``saferoute ui``.

The server is started once for the module (``saferoute ui``, i.e. ``solara run
app.py --host 127.0.0.1 --production`` with the offline asset cache and
telemetry off) with a fresh work folder; every test opens its own page (its
own session). Every request that would leave 127.0.0.1 is aborted and
recorded: the page must render without any. Screenshots of each page go to
``test-artifacts/``. These tests are not skipped when Chromium is missing:
they fail and say how to install it.
"""

from __future__ import annotations

import bz2
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Route, sync_playwright
from playwright.sync_api import Page as PWPage

from simulator.ui import assets

# A real browser against a real server on a loaded 2-core machine: a timing miss is retried
# (at most twice) rather than hidden; a real failure still fails all three attempts.
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=2)]

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("SAFEROUTE_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL = {"127.0.0.1", "localhost"}
WAIT_MS = 60_000
OSM_DIR = REPO.parent / "shared" / "data" / "osm"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """``saferoute ui`` on a free port with its own work folder; stopped at the end."""
    if assets.missing():
        assets.install()  # normally done by ./dev setup; needs the npm registry once
    folder = tmp_path_factory.mktemp("ui-folder")
    port = _free_port()
    log = (tmp_path_factory.mktemp("ui-log") / "server.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "simulator.cli", "ui", "--port", str(port), "--no-open",
                             "--folder", str(folder)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    assert answer.status == 200
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"saferoute ui did not answer on {url}:\n{log.read()[-3000:]}")
                time.sleep(0.2)
        yield {"url": url, "folder": folder, "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.seek(0)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "ui-server.log").write_text(log.read(), encoding="utf-8")
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (never a downloaded browser)."""
    if not Path(CHROMIUM).is_file() and shutil.which("chromium") is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it (Debian/Ubuntu: apt-get install chromium; "
                    "./dev setup does) or set SAFEROUTE_CHROMIUM")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).is_file()
                                      else shutil.which("chromium"), args=FLAGS)
        yield chromium
        chromium.close()


class Page:
    """One session's page, with the requests that tried to leave this machine."""

    def __init__(self, page: PWPage, outside: list[str]) -> None:
        self.page = page
        self.outside = outside


@pytest.fixture
def ui(server: dict[str, object], browser: Browser) -> Iterator[Page]:
    """A fresh browser context (its own session) on the page, ready when the map is drawn."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    outside: list[str] = []

    def route(r: Route) -> None:
        if urlparse(r.request.url).hostname in LOCAL:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(str(server["url"]))
    page.wait_for_function("document.querySelectorAll('.sr-crossing').length > 100")
    yield Page(page, outside)
    context.close()


def shot(page: PWPage, name: str, *, selector: str | None = None) -> None:
    """Save a screenshot into test-artifacts/ (the window, or one element in full).

    The page scrolls inside Solara's layout, so for a tall element the window is
    made tall enough to hold it, then restored.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = str(ARTIFACTS / f"ui-{name}.png")
    if selector is None:
        page.screenshot(path=path)
        return
    size = page.viewport_size
    box = page.locator(selector).bounding_box()
    page.set_viewport_size({"width": size["width"], "height": int(box["y"] + box["height"] + 40)})
    page.wait_for_timeout(300)
    page.locator(selector).screenshot(path=path)
    page.set_viewport_size(size)


def zoom_and_click(page: PWPage, crossing: str) -> None:
    """Zoom the map in on a crossing (junction crossings sit a few metres apart) and click it."""
    marker = page.locator(f'[data-crossing="{crossing}"]')
    box = marker.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(8):
        page.mouse.wheel(0, -120)
    page.wait_for_timeout(200)
    marker.click()


def wait_text(page: PWPage, selector: str, text: str) -> None:
    """Wait until the element shows ``text`` (the element may be re-rendered meanwhile)."""
    page.wait_for_function("([s, t]) => (document.querySelector(s)?.innerText || '').includes(t)",
                           arg=[selector, text])


def yaml_text(page: PWPage) -> str:
    return str(page.inner_text(".sr-yaml"))


def test_the_page_loads_with_no_internet(ui: Page, server: dict[str, object]) -> None:
    page = ui.page
    assert page.locator(".sr-title").inner_text() == "上学路线安全模拟"
    assert page.locator(".sr-street").count() > 100
    assert "name: 现状 Baseline" in yaml_text(page)
    shot(page, "map")
    assert ui.outside == [], f"requests left 127.0.0.1: {ui.outside}"


def test_a_run_plays_and_the_clock_advances(ui: Page) -> None:
    page = ui.page
    page.click(".sr-run")
    page.wait_for_function("window.saferouteMap && window.saferouteMap.drawn > 0")
    first = page.inner_text(".sr-clock")
    assert re.fullmatch(r"0[67]:\d\d:\d\d( …)?", first)
    page.wait_for_function(
        "t => document.querySelector('.sr-clock').textContent.slice(0, 8) > t", arg=first[:8])
    page.wait_for_selector(".sr-run-summary")
    page.select_option(".sr-speed", "300")
    page.wait_for_function("window.saferouteMap.drawn > 50")
    state = page.evaluate("window.saferouteMap")
    assert state["playing"] and state["fps"] >= 10
    page.click(".sr-play")  # pause
    paused = page.inner_text(".sr-clock")
    page.click(".sr-step")
    page.wait_for_function(
        "t => document.querySelector('.sr-clock').textContent.slice(0, 8) > t", arg=paused[:8])
    shot(page, "run")
    assert ui.outside == []


def test_clicking_a_crossing_and_choosing_a_signal_changes_the_scenario(
        ui: Page, server: dict[str, object], browser: Browser) -> None:
    page = ui.page
    assert "facility: signal" not in yaml_text(page)
    zoom_and_click(page, "x24-23")
    editor = page.locator(".sr-crossing-editor")
    editor.wait_for()
    assert "x24-23" in editor.inner_text() and "斑马线" in editor.inner_text()
    editor.locator(".sr-facility-signal").click()
    wait_text(page, ".sr-yaml", "facility: signal")
    text = yaml_text(page)
    assert re.search(r"crossings: \[x24-23\]\s+facility: signal", text), text
    assert page.get_attribute('[data-crossing="x24-23"]', "data-facility") == "signal"
    editor.locator(".sr-guard-apply").click()
    wait_text(page, ".sr-yaml", "type: guard")
    page.wait_for_selector(".sr-guard-label")
    shot(page, "edit")
    page.click(".sr-save")
    page.wait_for_selector(".sr-notice")
    saved = list(Path(str(server["folder"])).glob("*.yaml"))
    assert len(saved) == 1 and saved[0].read_text(encoding="utf-8").strip() == yaml_text(page).strip()
    from simulator.scenario import load_scenario

    assert load_scenario(saved[0]).interventions[0].facility == "signal"
    other = browser.new_page()
    other.goto(str(server["url"]))
    other.wait_for_selector(".sr-yaml", timeout=WAIT_MS)
    assert "facility: signal" not in other.inner_text(".sr-yaml"), "sessions must not share the scenario"
    other.close()
    assert ui.outside == []


def test_the_compare_page_shows_both_scenarios(ui: Page) -> None:
    page = ui.page
    page.click(".sr-tab-compare")
    page.fill(".sr-seeds input", "3")
    page.keyboard.press("Enter")
    compare = page.locator(".sr-compare")
    compare.locator(".sr-alternatives").get_by_text("guard-posts.yaml").click()
    page.click(".sr-compare-run")
    page.wait_for_selector(".sr-scenario-map-1", timeout=180_000)
    names = [n.strip() for n in page.locator(".sr-scenario-map-name").all_inner_texts()]
    assert names == ["现状 Baseline", "护学岗 Guard posts"]
    for selector in (".sr-figure-risk img", ".sr-figure-delay img", ".sr-scenario-map img"):
        assert page.locator(selector).first.evaluate("i => i.naturalWidth") > 100
    table = page.inner_text(".sr-changes-table")
    assert "护学岗 Guard posts" in table and ("显著" in table or "随机波动" in table)
    statements = page.inner_text(".sr-noise-statements")
    assert "护学岗 Guard posts 对比 现状 Baseline" in statements
    assert page.locator(".sr-hotspots tr").count() > 3
    shot(page, "compare", selector=".sr-compare-page")
    assert ui.outside == []


def test_switching_language_changes_every_label(ui: Page) -> None:
    page = ui.page
    legend = page.locator(".sr-legend")
    assert "斑马线" in legend.inner_text() and "护学岗" in legend.inner_text()
    page.click(".sr-lang")
    page.wait_for_selector("text=Run once")
    assert "zebra" in legend.inner_text() and "斑马线" not in legend.inner_text()
    assert page.inner_text(".sr-tab-compare") == "Compare"
    shot(page, "english")
    page.click(".sr-lang")
    page.wait_for_selector("text=运行一次")
    assert "斑马线" in legend.inner_text() and "护学岗" in legend.inner_text()
    assert page.inner_text(".sr-tab-compare") == "方案比较"
    shot(page, "chinese")


def test_a_malformed_upload_shows_the_cli_error_and_the_page_keeps_working(
        ui: Page, server: dict[str, object], tmp_path: Path) -> None:
    page = ui.page
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ninterventions:\n  - type: speed_limit\n    limit_kmh: 200\n"
                   "    zone: {radius_m: 100}\n", encoding="utf-8")
    expected = subprocess.run([sys.executable, "-m", "simulator.cli", "run", "bad.yaml"], cwd=tmp_path,
                              capture_output=True, text=True, check=False).stderr.strip()
    assert expected.startswith("saferoute: error: bad.yaml: interventions[0].limit_kmh: 200")
    page.set_input_files(".sr-upload-scenario input", str(bad))
    error = page.locator(".sr-error")
    error.wait_for()
    assert error.inner_text().strip() == expected.removeprefix("saferoute: error: ")
    shot(page, "upload-error")
    osm = tmp_path / "broken.osm"
    osm.write_text('<osm><node id="1" lat="x"', encoding="utf-8")
    page.set_input_files(".sr-upload-map input", str(osm))
    wait_text(page, ".sr-error", "broken.osm: site.map:")
    assert "is not OSM XML" in error.inner_text()
    assert not list((Path(str(server["folder"])) / "maps").glob("broken*")), "a rejected map is not kept"
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (2 << 20))
    page.set_input_files(".sr-upload-scenario input", str(big))
    wait_text(page, ".sr-error", "too large")
    # still working: the scenario is unchanged and a run plays
    assert "name: 现状 Baseline" in yaml_text(page)
    page.click(".sr-run")
    page.wait_for_function("window.saferouteMap && window.saferouteMap.drawn > 0")
    good = REPO / "scenarios" / "guard-posts.yaml"
    page.set_input_files(".sr-upload-scenario input", str(good))
    wait_text(page, ".sr-yaml", "type: guard")
    page.wait_for_function("() => !document.querySelector('.sr-error')")
    assert ui.outside == []


def test_a_street_limit_a_drawn_zone_and_school_rules_change_the_scenario(ui: Page) -> None:
    page = ui.page
    street = page.locator('[data-street="e23-24"]')
    box = street.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
    editor = page.locator(".sr-street-editor")
    editor.wait_for()
    assert "e23-24" in editor.inner_text()
    editor.locator(".sr-street-limit input").fill("30")
    editor.locator(".sr-street-limit input").press("Enter")
    editor.locator(".sr-street-apply").click()
    wait_text(page, ".sr-yaml", "limit_kmh: 30")
    assert re.search(r"limit_kmh: 30\.0\s+edges: \[e23-24\]", yaml_text(page)), yaml_text(page)
    page.click(".sr-zone-mode")
    stage = page.locator(".sr-stage").bounding_box()
    assert stage is not None
    cx, cy = stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 60, cy, steps=5)
    page.mouse.up()
    zone = page.locator(".sr-zone-editor")
    zone.wait_for()
    zone.locator(".sr-zone-apply").click()
    wait_text(page, ".sr-yaml", "radius_m")
    assert re.search(r"zone:\s+radius_m: [\d.]+\s+center: \[[\d.]+, [\d.]+\]", yaml_text(page))
    page.get_by_text("校门口禁止停车接送").click()
    wait_text(page, ".sr-yaml", "dropoff_ban")
    assert page.locator(".sr-zone").count() >= 1
    assert "现状 Baseline（修改）" in yaml_text(page)
    shot(page, "street-zone")
    assert ui.outside == []


@pytest.mark.skipif(not OSM_DIR.is_dir(), reason="the OSM extracts live in ../shared/data/osm")
def test_a_loaded_osm_map_is_drawn_and_its_schools_can_be_chosen(ui: Page, server: dict[str, object],
                                                                  tmp_path: Path) -> None:
    page = ui.page
    # unpacked (2 MB), so that the upload travels in several parts
    osm = tmp_path / "beijing_haidian_xueyuan_cau.osm"
    osm.write_bytes(bz2.decompress((OSM_DIR / "beijing_haidian_xueyuan_cau.osm.bz2").read_bytes()))
    assert osm.stat().st_size > 1 << 20  # more than one 1 MiB part
    page.set_input_files(".sr-upload-map input", str(osm))
    wait_text(page, ".sr-site", "beijing_haidian")
    page.wait_for_selector(".sr-school-select")
    assert "中国农业大学附属实验小学" in page.inner_text(".sr-school-select")
    text = yaml_text(page)
    assert "map: " in text and "beijing_haidian_xueyuan_cau.osm" in text
    assert "school: 中国农业大学附属实验小学" in text
    assert "name: 基准方案 · beijing_haidian_xueyuan_cau" in text
    assert page.locator(".sr-crossing").count() > 100
    kept = Path(str(server["folder"])) / "maps" / osm.name
    assert kept.read_bytes() == osm.read_bytes()
    page.wait_for_selector(".sr-notice")
    page.click(".sr-run")
    page.wait_for_function("window.saferouteMap && window.saferouteMap.drawn > 0")
    shot(page, "osm-map")
    assert ui.outside == []

