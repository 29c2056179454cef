"""The web UI in a real browser: Playwright drives Debian's Chromium against ``saferoute ui``.

The server is started once for the module (``saferoute ui``, i.e. ``solara run
app.py --host 127.0.0.1 --production`` with the offline asset cache and
telemetry off) with a fresh work folder; every test opens its own page (its
own session). Every request that would leave 127.0.0.1 is aborted and
recorded: the page must render without any. Screenshots of each page go to
``test-artifacts/``. These tests are not skipped when Chromium is missing:
they fail and say how to install it.

Nothing here sleeps or reads the clock: the server is ready when it prints
that it listens (read from its output pipe, see ``tests/waiting.py``), and
every step waits for the page's own state (an element, a text, the map's
``data-zooms`` or ``window.saferouteMap``); the bounds (``WAIT_MS``,
``START_BOUND_S``) only end a real hang.
"""

from __future__ import annotations

import bz2
import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Route, expect, sync_playwright
from playwright.sync_api import Page as PWPage
from waiting import LineReader

from simulator.ui import assets

pytestmark = [pytest.mark.browser]

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("SAFEROUTE_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL = {"127.0.0.1", "localhost"}
WAIT_MS = 60_000  # any wait on the page (a real hang ends here)
START_BOUND_S = 180  # the server's start (about 3 s when idle)
CLOCK_PAST = "t => document.querySelector('.sr-clock').textContent.slice(0, 8) > t"
OSM_DIR = REPO.parent / "shared" / "data" / "osm"
expect.set_options(timeout=WAIT_MS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """``saferoute ui`` on a free port with its own work folder; stopped at the end.

    Ready when uvicorn prints that it listens (after the socket is open); one
    GET then confirms the page answers.
    """
    if assets.missing():
        assets.install()  # normally done by ./dev setup; needs the npm registry once
    folder = tmp_path_factory.mktemp("ui-folder")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "simulator.cli", "ui", "--port", str(port), "--no-open",
                             "--folder", str(folder)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace",
                            env=os.environ | {"PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    out = LineReader(proc.stdout)
    url = f"http://127.0.0.1:{port}/"
    try:
        listening = f"Uvicorn running on http://127.0.0.1:{port}"
        out.wait_for(lambda line: listening in line, bound_s=START_BOUND_S)
        with urllib.request.urlopen(url, timeout=WAIT_MS / 1000) as answer:
            assert answer.status == 200
        yield {"url": url, "folder": folder, "log": out}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "ui-server.log").write_text(out.text(), encoding="utf-8")


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
    wait_text(page, ".sr-yaml", "name: ")
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
    assert size is not None
    box = page.locator(selector).bounding_box()
    assert box is not None
    height = int(box["y"] + box["height"] + 40)
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_function("h => window.innerHeight === h", arg=height)
    page.locator(selector).screenshot(path=path)  # once the element is visible and stable
    page.set_viewport_size(size)


def zoom_and_click(page: PWPage, crossing: str) -> None:
    """Zoom the map in on a crossing (junction crossings sit a few metres apart) and click it."""
    marker = page.locator(f'[data-crossing="{crossing}"]')
    stage = page.locator(".sr-stage")
    box = marker.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    zooms = int(stage.get_attribute("data-zooms") or 0)
    for step in range(1, 9):  # one step at a time: the browser may merge wheel events sent together
        page.mouse.wheel(0, -120)
        expect(stage).to_have_attribute("data-zooms", str(zooms + step))
    marker.click()  # once the marker is stable where it was drawn


def wait_text(page: PWPage, selector: str, text: str) -> None:
    """Wait until the element shows ``text`` (the element may be re-rendered meanwhile)."""
    page.wait_for_function("([s, t]) => (document.querySelector(s)?.innerText || '').includes(t)",
                           arg=[selector, text])


def yaml_text(page: PWPage) -> str:
    return str(page.inner_text(".sr-yaml"))


def test_the_page_loads_with_no_internet(ui: Page, server: dict[str, object]) -> None:
    page = ui.page
    expect(page.locator(".sr-title")).to_have_text("上学路线安全模拟")
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
    page.wait_for_function(CLOCK_PAST, arg=first[:8])
    page.wait_for_selector(".sr-run-summary")
    page.select_option(".sr-speed", "300")
    page.wait_for_function("window.saferouteMap.drawn > 50")
    frames = page.evaluate("window.saferouteMap.frames")
    page.wait_for_function("f => window.saferouteMap.frames > f + 10", arg=frames)  # it keeps drawing
    page.click(".sr-step")  # pauses (and steps)
    # back to the start, so that a step always has time left to go (however far it had played)
    page.locator(".sr-slider").evaluate("s => { s.value = 0; s.dispatchEvent(new Event('input')); }")
    page.wait_for_function("!window.saferouteMap.playing && window.saferouteMap.T === 0")
    paused = page.inner_text(".sr-clock")
    page.click(".sr-step")
    page.wait_for_function(CLOCK_PAST, arg=paused[:8])
    assert not page.evaluate("window.saferouteMap.playing")
    shot(page, "run")
    assert ui.outside == []


def test_clicking_a_crossing_and_choosing_a_signal_changes_the_scenario(
        ui: Page, server: dict[str, object], browser: Browser) -> None:
    page = ui.page
    assert "facility: signal" not in yaml_text(page)
    zoom_and_click(page, "x24-23")
    editor = page.locator(".sr-crossing-editor")
    expect(editor).to_contain_text("x24-23")
    expect(editor).to_contain_text("斑马线")
    editor.locator(".sr-facility-signal").click()
    wait_text(page, ".sr-yaml", "facility: signal")
    text = yaml_text(page)
    assert re.search(r"crossings: \[x24-23\]\s+facility: signal", text), text
    expect(page.locator('[data-crossing="x24-23"]')).to_have_attribute("data-facility", "signal")
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
    other.set_default_timeout(WAIT_MS)
    other.goto(str(server["url"]))
    wait_text(other, ".sr-yaml", "name: ")
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
    expect(page.locator(".sr-scenario-map-name")).to_have_text(["现状 Baseline", "护学岗 Guard posts"])
    for selector in (".sr-figure-risk img", ".sr-figure-delay img", ".sr-scenario-map img"):
        page.wait_for_function("s => (document.querySelector(s)?.naturalWidth || 0) > 100", arg=selector)
    table = page.locator(".sr-changes-table")
    expect(table).to_contain_text("护学岗 Guard posts")
    assert "显著" in table.inner_text() or "随机误差" in table.inner_text()
    expect(page.locator(".sr-noise-statements")).to_contain_text("护学岗 Guard posts 对比 现状 Baseline")
    page.wait_for_function("document.querySelectorAll('.sr-hotspots tr').length > 3")
    shot(page, "compare", selector=".sr-compare-page")
    assert ui.outside == []


def test_switching_language_changes_every_label(ui: Page) -> None:
    page = ui.page
    legend = page.locator(".sr-legend")
    expect(legend).to_contain_text("斑马线")
    expect(legend).to_contain_text("护学岗")
    page.click(".sr-lang")
    page.wait_for_selector("text=Run once")
    expect(legend).to_contain_text("zebra")
    expect(legend).not_to_contain_text("斑马线")
    expect(page.locator(".sr-tab-compare")).to_have_text("Compare")
    shot(page, "english")
    page.click(".sr-lang")
    page.wait_for_selector("text=运行一次")
    expect(legend).to_contain_text("斑马线")
    expect(legend).to_contain_text("护学岗")
    expect(page.locator(".sr-tab-compare")).to_have_text("方案比较")
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
    expect(error).to_have_text(expected.removeprefix("saferoute: error: "))
    shot(page, "upload-error")
    osm = tmp_path / "broken.osm"
    osm.write_text('<osm><node id="1" lat="x"', encoding="utf-8")
    page.set_input_files(".sr-upload-map input", str(osm))
    wait_text(page, ".sr-error", "broken.osm: site.map:")
    expect(error).to_contain_text("is not OSM XML")
    assert not list((Path(str(server["folder"])) / "maps").glob("broken*")), "a rejected map is not kept"
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (2 << 20))
    page.set_input_files(".sr-upload-scenario input", str(big))
    wait_text(page, ".sr-error", "too large")
    # a name no file system takes, and a scenario naming a file outside the work folder
    long_name = {"name": "x" * 296 + ".osm", "mimeType": "application/xml",
                 "buffer": b"<osm>" + b" " * (3 << 20) + b"</osm>"}  # refused at its first part
    page.set_input_files(".sr-upload-map input", files=[long_name])
    wait_text(page, ".sr-error", "not allowed as a file name")
    secret = tmp_path / "secret.osm"
    secret.write_text("<osm/>", encoding="utf-8")
    page.set_input_files(".sr-upload-scenario input", files=[{
        "name": "outside.yaml", "mimeType": "application/x-yaml",
        "buffer": f"name: x\nsite: {{map: {secret}}}\n".encode()}])
    wait_text(page, ".sr-error", f"outside.yaml: site.map: {secret} is not allowed here")
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
    expect(editor).to_contain_text("e23-24")
    editor.locator(".sr-street-limit input").fill("30")
    editor.locator(".sr-street-limit input").press("Enter")
    editor.locator(".sr-street-apply").click()
    wait_text(page, ".sr-yaml", "limit_kmh: 30")
    assert re.search(r"limit_kmh: 30\.0\s+edges: \[e23-24\]", yaml_text(page)), yaml_text(page)
    page.click(".sr-zone-mode")
    expect(page.locator(".sr-zone-mode")).to_have_class(re.compile(r"\bsr-on\b"))
    stage = page.locator(".sr-stage").bounding_box()
    assert stage is not None
    cx, cy = stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 60, cy, steps=5)
    page.mouse.up()
    zone = page.locator(".sr-zone-editor")
    zone.locator(".sr-zone-apply").click()
    wait_text(page, ".sr-yaml", "radius_m")
    assert re.search(r"zone:\s+radius_m: [\d.]+\s+center: \[[\d.]+, [\d.]+\]", yaml_text(page))
    page.get_by_text("校门口禁止停车接送").click()
    wait_text(page, ".sr-yaml", "dropoff_ban")
    page.wait_for_function("document.querySelectorAll('.sr-zone').length >= 1")
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
    expect(page.locator(".sr-school-select")).to_contain_text("中国农业大学附属实验小学")
    wait_text(page, ".sr-yaml", "name: 基准方案 · beijing_haidian_xueyuan_cau")
    text = yaml_text(page)
    assert "map: " in text and "beijing_haidian_xueyuan_cau.osm" in text
    assert "school: 中国农业大学附属实验小学" in text
    page.wait_for_function("document.querySelectorAll('.sr-crossing').length > 100")
    kept = Path(str(server["folder"])) / "maps" / osm.name
    assert kept.read_bytes() == osm.read_bytes()
    page.wait_for_selector(".sr-notice")
    page.click(".sr-run")
    page.wait_for_function("window.saferouteMap && window.saferouteMap.drawn > 0")
    shot(page, "osm-map")
    assert ui.outside == []
