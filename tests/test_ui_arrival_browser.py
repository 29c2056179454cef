"""The arrival levers in Chromium: 即停即走区, 电动自行车停放区, 校车, walking distance; then a comparison.

Reuses ``tests/test_ui_browser.py``'s server, browser and page fixtures (a
server of this module's own). The work is small: 150 children in the edited
scenario and 2 seeds. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_ui_browser import Page, shot, wait_text, yaml_text
from test_ui_browser import browser as browser  # the fixtures, shared
from test_ui_browser import server as server
from test_ui_browser import ui as ui

CHILDREN = "150"


def _type(page, selector: str, text: str) -> None:
    page.fill(f"{selector} input", text)
    page.keyboard.press("Enter")


@pytest.mark.browser
def test_arrival_levers_refuse_bad_numbers_reach_the_scenario_and_compare(ui: Page) -> None:
    page = ui.page
    _type(page, ".sr-children", CHILDREN)
    wait_text(page, ".sr-yaml", f"children: {CHILDREN}")
    error = page.locator(".sr-error")
    page.click(".sr-kiss label")
    wait_text(page, ".sr-yaml", "type: kiss_and_ride")
    _type(page, ".sr-kiss-length", "500")  # refused in the page's words; the scenario keeps 60 m
    expect(error).to_have_text("即停即走区长度（米）：500 不允许（允许 5–300 的整数）")
    assert "length_m: 60.0" in yaml_text(page)
    _type(page, ".sr-kiss-length", "80")
    wait_text(page, ".sr-yaml", "length_m: 80.0")
    expect(error).to_have_count(0)
    page.click(".sr-ebike-parking label")
    wait_text(page, ".sr-yaml", "type: ebike_parking")
    _type(page, ".sr-school-bus", "150")
    expect(error).to_contain_text("：150 不允许（允许 0–100 的整数）")
    assert "school_bus" not in yaml_text(page)
    _type(page, ".sr-school-bus", "40")
    wait_text(page, ".sr-yaml", "type: school_bus")
    expect(page.locator(".sr-school-bus-stop")).to_contain_text("校门")
    _type(page, ".sr-walk-d50", "abc")
    expect(error).to_contain_text("abc 不允许（允许 0.05–20 的数）")
    _type(page, ".sr-walk-d50", "1.2")
    wait_text(page, ".sr-yaml", "walk_distance_d50_km: 1.2")
    text = yaml_text(page)
    assert "share: 0.4" in text and "walk_m: 30.0" in text, text
    changes = page.locator(".sr-changes")
    expect(changes).to_contain_text("即停即走区：校门一侧 80 米路缘")
    expect(changes).to_contain_text("电动自行车停放区：距校门 30 米")
    shot(page, "arrival-levers", selector=".sr-arrival-levers")
    # the edited scenario against the baseline: who bears the risk, and what causes it
    page.click(".sr-tab-compare")
    _type(page, ".sr-seeds", "2")
    page.click(".sr-compare-run")
    modes = page.locator(".sr-modes-table")
    expect(modes).to_contain_text("校车", timeout=180_000)
    expect(modes).to_contain_text("家长电动自行车接送")
    expect(page.locator(".sr-vehicles-table")).to_contain_text("机动车")
    page.wait_for_function("(document.querySelector('.sr-figure-modes img')?.naturalWidth || 0) > 100")
    shot(page, "compare-modes", selector=".sr-modes")
    page.click(".sr-lang")
    expect(page.locator(".sr-modes-table")).to_contain_text("pillion on a parent's e-bike")
    expect(page.locator(".sr-vehicles-table")).to_contain_text("motor vehicles")
    assert ui.outside == []
