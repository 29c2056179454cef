"""Web UI benchmark: page ready, first frame after Run, animation frame rate, 10-seed comparison.

Run from the repository root (Debian's Chromium, the offline asset cache)::

    .venv/bin/python benchmarks/bench_ui.py               # about 2 minutes
    .venv/bin/python benchmarks/bench_ui.py --json ui.json

It starts ``saferoute ui`` on a free port (offline assets, telemetry off, a
temporary work folder), drives the page with Playwright and prints each figure
next to its target as PASS/FAIL text (nothing is asserted):

* page ready: from ``page.goto`` (the server already answering) until the map's
  crossings are drawn, in a fresh browser context (a new session) each time;
* first frame: from pressing "Run once" on the default district (1,500
  children) until the animation has drawn children (the page streams the
  morning in slices, so it starts before the run has finished); the whole run
  until its figures are shown is reported too;
* frames per second: the page's own counter (``window.saferouteMap``) while
  the morning plays through its busiest hour at 60x and at 300x, with the
  number of children drawn and the drawing time per frame; and the same with
  5,000 children (a scenario file uploaded through the page), so that more
  than 1,000 are on the streets at once;
* comparison: baseline vs 护学岗 guard posts, 10 seeds each, from pressing
  "Compare" until the figures are shown; and the same comparison through the
  API (:func:`simulator.ui.jobs.compare`) for reference.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SAFEROUTE_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TARGET_READY_S = 5.0
TARGET_FIRST_FRAME_S = 3.0
TARGET_FPS = 10.0
TARGET_COMPARE_S = 30.0
WAIT_MS = 180_000


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def show(label: str, values: list[float], target: float, extra: str = "") -> None:
    """Print min and median seconds against a target (judged on the worst)."""
    print(f"{label + ':':<20} min {min(values):5.2f} s  median {statistics.median(values):5.2f} s   "
          f"target <= {target:.0f} s  {verdict(max(values) <= target)}  {extra}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path, log: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "simulator.cli", "ui", "--port", str(port), "--no-open",
                             "--folder", str(folder)], cwd=ROOT, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url, time.perf_counter() - started
        except OSError:
            if proc.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit(f"the server did not start:\n{log.read_text()[-2000:]}") from None
            time.sleep(0.1)


def page_ready(browser: Any, url: str) -> tuple[float, Any, Any]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('.sr-crossing').length > 100")
    page.wait_for_selector(".sr-yaml")
    return time.perf_counter() - t, page, context


def run_once(page: Any, number: int) -> tuple[float, float]:
    """Seconds from pressing Run to the first frame with children, and to the run's figures."""
    page.wait_for_selector(".sr-run:not([disabled])")
    t = time.perf_counter()
    page.click(".sr-run")
    page.wait_for_function("n => window.saferouteMap && window.saferouteMap.run === n "
                           "&& window.saferouteMap.drawn > 0", arg=number, polling=10)
    first = time.perf_counter() - t
    page.wait_for_function("n => window.saferouteMap.run === n && window.saferouteMap.final", arg=number)
    page.wait_for_selector(".sr-run-summary")
    return first, time.perf_counter() - t


def frame_rate(page: Any, *, speed: int, seconds: float, start_share: float) -> dict[str, float]:
    """Play from ``start_share`` of the morning at ``speed`` for ``seconds``; the page's counters."""
    page.select_option(".sr-speed", str(speed))
    page.evaluate("s => { const el = document.querySelector('.sr-slider'); el.value = Math.round(1000 * s);"
                  " el.dispatchEvent(new Event('input')); }", start_share)
    if not page.evaluate("window.saferouteMap.playing"):
        page.click(".sr-play")
    page.wait_for_timeout(500)
    before = page.evaluate("window.saferouteMap")
    samples = []
    t = time.perf_counter()
    while time.perf_counter() - t < seconds:
        page.wait_for_timeout(250)
        samples.append(page.evaluate("window.saferouteMap"))
    after = page.evaluate("window.saferouteMap")
    wall = time.perf_counter() - t
    return {
        "speed": speed,
        "fps": (after["frames"] - before["frames"]) / wall,
        "children": after["children"],
        "drawn_max": max(s["drawn"] for s in samples),
        "drawn_mean": statistics.fmean(s["drawn"] for s in samples),
        "draw_ms": statistics.fmean(s["drawMs"] for s in samples),
    }


def crowd(page: Any, folder: Path, children: int, number: int) -> dict[str, float]:
    """Load the baseline with more children (so that 1,500 or more are on the streets at once) and play it."""
    page.click(".sr-tab-map")
    text = (ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
    path = folder / f"crowd-{children}.yaml"
    path.write_text(text.replace("children: 1500", f"children: {children}").replace(
        "name: 现状 Baseline", f"name: {children} children"), encoding="utf-8")
    page.set_input_files(".sr-upload-scenario input", str(path))
    page.wait_for_function("n => (document.querySelector('.sr-yaml')?.innerText || '').includes(n)",
                           arg=f"name: {children} children")
    run_once(page, number)
    return frame_rate(page, speed=60, seconds=5, start_share=0.45)


def compare_in_page(page: Any, seeds: int) -> float:
    page.click(".sr-tab-compare")
    page.fill(".sr-seeds input", str(seeds))
    page.keyboard.press("Enter")
    page.locator(".sr-alternatives").get_by_text("guard-posts.yaml").click()
    t = time.perf_counter()
    page.click(".sr-compare-run")
    page.wait_for_selector(".sr-scenario-map-1 img")
    page.wait_for_function("() => [...document.querySelectorAll('.sr-figure img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    return time.perf_counter() - t


def compare_api(seeds: int) -> float:
    sys.path.insert(0, str(ROOT))
    from simulator.scenario import load_scenario
    from simulator.ui import jobs

    chosen = [(n, load_scenario(ROOT / "scenarios" / n)) for n in ("baseline.yaml", "guard-posts.yaml")]
    t = time.perf_counter()
    jobs.compare(chosen, range(1, seeds + 1))
    return time.perf_counter() - t


def run_cpu_seconds() -> tuple[float, float]:
    """CPU and wall seconds of one replication of the default district (the unit of a comparison)."""
    from simulator.experiment import settings_from_files
    from simulator.runs import run_once as engine_run

    settings, _ = settings_from_files([ROOT / "scenarios" / "baseline.yaml"])
    engine_run(settings[0], 1)
    cpu, wall = time.process_time(), time.perf_counter()
    engine_run(settings[0], 2)
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    parser.add_argument("--repeats", type=int, default=3, help="page loads and runs to time (default 3)")
    parser.add_argument("--seeds", type=int, default=10, help="seeds of the comparison (default 10)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {"load_before": os.getloadavg()[0], "cpus": os.cpu_count()}
    print(f"saferoute web UI benchmark; {os.cpu_count()} CPUs, 1-minute load {out['load_before']:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        proc, url, up = start_server(Path(tmp) / "folder", Path(tmp) / "server.log")
        out["server_start_s"] = up
        print(f"server answers after {up:.1f} s ({url})")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                ready, page = [], None
                for _ in range(args.repeats):
                    seconds, page, context = page_ready(browser, url)
                    ready.append(seconds)
                out["page_ready_s"] = ready
                show("page ready", ready, TARGET_READY_S)
                runs = [run_once(page, n) for n in range(1, args.repeats + 1)]
                first = [r[0] for r in runs]
                out["first_frame_s"], out["run_done_s"] = first, [r[1] for r in runs]
                show("first frame", first, TARGET_FIRST_FRAME_S,
                     f"(whole run shown: median {statistics.median(out['run_done_s']):.2f} s)")
                rates = [frame_rate(page, speed=60, seconds=5, start_share=0.45),
                         frame_rate(page, speed=300, seconds=5, start_share=0.35)]
                out["frame_rate"] = rates
                for r in rates:
                    print(f"animation at {r['speed']:>3}x:   {r['fps']:5.1f} fps, {r['children']} children, "
                          f"up to {r['drawn_max']} on the streets, {r['draw_ms']:.2f} ms to draw a frame"
                          f"   target >= {TARGET_FPS:.0f} fps  {verdict(r['fps'] >= TARGET_FPS)}")
                page.click(".sr-play")
                seconds = compare_in_page(page, args.seeds)
                out["compare_page_s"] = seconds
                print(f"compare {args.seeds} seeds x 2 (page): {seconds:5.1f} s   target <= "
                      f"{TARGET_COMPARE_S:.0f} s  {verdict(seconds <= TARGET_COMPARE_S)}")
                stress = crowd(page, Path(tmp), 5000, args.repeats + 1)
                out["frame_rate_crowd"] = stress
                print(f"animation, 5,000 children: {stress['fps']:5.1f} fps, up to {stress['drawn_max']} "
                      f"on the streets at once, {stress['draw_ms']:.2f} ms to draw a frame   "
                      f"target >= {TARGET_FPS:.0f} fps  {verdict(stress['fps'] >= TARGET_FPS)}")
                context.close()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    api = compare_api(args.seeds)
    out["compare_api_s"] = api
    print(f"compare {args.seeds} seeds x 2 (API, cold worker start): {api:5.1f} s   target <= "
          f"{TARGET_COMPARE_S:.0f} s  {verdict(api <= TARGET_COMPARE_S)}")
    cpu, wall = run_cpu_seconds()
    out["run_cpu_s"], out["run_wall_s"] = cpu, wall
    jobs_ = 2 * args.seeds
    ideal = jobs_ * cpu / min(2, os.cpu_count() or 1)
    print(f"one replication: {cpu:.2f} s CPU ({wall:.2f} s wall); {jobs_} runs on "
          f"{min(2, os.cpu_count() or 1)} idle cores would take about {ideal:.0f} s plus start-up")
    out["load_after"] = os.getloadavg()[0]
    print(f"1-minute load at the end {out['load_after']:.2f}" + ("  BUSY" if out["load_after"] > 0.5 else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
