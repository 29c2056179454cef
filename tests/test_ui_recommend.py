"""Recommendations and the remaining levers in the web UI: logic without a browser, then in Chromium.

The browser tests reuse ``tests/test_ui_browser.py``'s server, browser and
page fixtures (a server of this module's own, with its own work folder) and
keep the work small: 150 children and 2 seeds, so each recommendation takes
seconds. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_ui_browser import Page, shot, wait_text, yaml_text, zoom_and_click
from test_ui_browser import browser as browser  # the fixtures, shared
from test_ui_browser import server as server
from test_ui_browser import ui as ui

from simulator.errors import SaferouteError
from simulator.scenario import load_scenario, scenario_from_mapping
from simulator.ui import advice, advicecharts, levers, state
from simulator.ui.recommendpage import unique_name
from simulator.ui.session import prepare

SMALL = {"name": "small", "children": 150, "enforcement": "none"}
CHILDREN = "150"


# --- logic ------------------------------------------------------------------------------------


def test_the_levers_edit_the_mapping_and_validate() -> None:
    data = state.mapping_of(scenario_from_mapping(SMALL))
    data = levers.with_lanes(data, "edges", "e23-24", 2)
    data = levers.with_lanes(data, "crossings", "x24-23", 1)
    data = levers.with_volume(data, "crossings", "x24-23", (1200.0, 900.0))
    data = levers.with_volume(data, "edges", "e23-24", (800.0, 800.0))
    data = levers.with_education(data, 0.4)
    data = levers.with_start_time(data, "08:00", [12, 10, 11])
    data = levers.with_children(data, 90)
    assert levers.road_levers(data, "crossings", "x24-23") == {"lanes": 1, "vph": (1200.0, 900.0)}
    assert levers.road_levers(data, "edges", "e23-24") == {"lanes": 2, "vph": (800.0, 800.0)}
    assert levers.education_share(data) == 0.4
    assert levers.start_time(data) == {"bell": "08:00", "ages": [10, 11, 12]}
    kinds = [c.type for c in state.validated(data).interventions]
    assert kinds == ["lane_reduction", "lane_reduction", "volume", "volume", "education", "start_time"]
    p = prepare(data, origin="edit", cache={})  # every id exists on the site
    assert p.setting.n_children == 90
    # replacing, not piling up; None takes a lever away
    again = levers.with_lanes(data, "crossings", "x24-23", None)
    again = levers.with_volume(again, "crossings", "x24-23", None)
    assert levers.road_levers(again, "crossings", "x24-23") == {"lanes": None, "vph": None}
    cleared = levers.with_start_time(levers.with_education(again, None), None)
    assert [c["type"] for c in cleared["interventions"]] == ["lane_reduction", "volume"]
    assert "children" not in levers.with_children(data, None)
    assert levers.road_levers(data, "crossings", "x24-25") == {"lanes": None, "vph": None}


def test_a_guard_recommendation_gives_its_table_its_map_and_its_scenario() -> None:
    request = advice.Request("guards", scenario_from_mapping(SMALL), (1, 2), staff=2)
    found = advice.evaluate(request)
    assert found.picks and found.runs >= 2 * (1 + len(found.picks))
    rows = advicecharts.guard_rows(found, lang="zh")
    assert [r["过街处"] for r in rows] == [p.crossing for p in found.picks]
    change = rows[0]["风险变化（每10万人次重伤）[95% 置信区间]"]
    assert re.fullmatch(r"[+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\](（在随机误差内）)?", change)
    english = advicecharts.guard_rows(found, lang="en")[0]
    assert any("per 100,000 trips" in k for k in english)
    scenario = found.scenario(name=unique_name("推荐护学岗", {"推荐护学岗": None}))
    assert scenario.name == "推荐护学岗 (2)" and scenario.children == 150
    assert [c.crossings[0] for c in scenario.interventions] == [p.crossing for p in found.picks]
    p = prepare(state.mapping_of(scenario), origin="x", cache={})
    image = advicecharts.advice_map(found, site=p.site, network=p.network, lang="en")
    assert image[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_seed_says_why_there_is_no_interval() -> None:
    found = advice.evaluate(advice.Request("routes", scenario_from_mapping(SMALL), (1,)))
    assert any(line.startswith("[—]") for line in advicecharts.notes(found, lang="en"))
    rows = advicecharts.route_rows(found, lang="en")
    assert rows and all(r["Change [95% CI]"].endswith("[—] (within noise)") for r in rows)


def test_a_bad_option_comes_back_from_the_worker_process_as_the_cli_line() -> None:
    request = advice.Request("guards", scenario_from_mapping(SMALL), (1, 2), hours="05:00-06:00")
    with pytest.raises(SaferouteError, match=r"^--hours: '05:00-06:00' is outside the simulated period"):
        advice.recommend(request, workers=1)


# --- in the browser ---------------------------------------------------------------------------


def _small(page) -> None:
    """Few children for the scenario being edited (the recommendations start from it)."""
    page.fill(".sr-children input", CHILDREN)
    page.keyboard.press("Enter")
    wait_text(page, ".sr-yaml", f"children: {CHILDREN}")


def _recommend_tab(page, seeds: int = 2) -> None:
    page.click(".sr-tab-recommend")
    page.fill(".sr-rec-seeds input", str(seeds))
    page.keyboard.press("Enter")


@pytest.mark.browser
def test_guards_become_a_scenario_that_the_compare_page_runs(ui: Page) -> None:
    page = ui.page
    _small(page)
    _recommend_tab(page)
    expect(page.locator(".sr-rec-base")).to_contain_text(f"{CHILDREN} 名学生")
    page.click(".sr-rec-run")
    table = page.locator(".sr-rec-result-guards .sr-rec-table")
    expect(table).to_contain_text("风险变化（每10万人次重伤）[95% 置信区间]")
    posts = table.locator("tbody tr")
    assert posts.count() >= 1
    crossings = [posts.nth(i).locator("td").nth(1).inner_text() for i in range(posts.count())]
    assert all(re.fullmatch(r"x\d+-\d+", c) for c in crossings), crossings
    page.wait_for_function("(document.querySelector('.sr-rec-map img')?.naturalWidth || 0) > 100")
    shot(page, "recommend-guards", selector=".sr-recommend-page")
    page.click(".sr-rec-make")
    expect(page.locator(".sr-notice")).to_contain_text("推荐护学岗 Recommended guard posts")
    page.click(".sr-tab-compare")
    page.click(".sr-baseline")
    page.locator(".v-menu__content .v-list-item").filter(has_text="当前编辑的方案").click()
    alternatives = page.locator(".sr-alternatives")
    alternatives.get_by_text("推荐护学岗 Recommended guard posts").click()
    page.fill(".sr-seeds input", "2")
    page.keyboard.press("Enter")
    page.click(".sr-compare-run")
    changes = page.locator(".sr-changes-table")
    expect(changes).to_contain_text("推荐护学岗 Recommended guard posts", timeout=180_000)
    expect(changes).to_contain_text("现状 Baseline（修改）")
    assert "显著" in changes.inner_text() or "随机误差" in changes.inner_text()
    shot(page, "recommend-compare", selector=".sr-compare-page")
    assert ui.outside == []


@pytest.mark.browser
def test_cancel_stops_a_recommendation_and_the_next_one_runs(ui: Page) -> None:
    page = ui.page
    _small(page)
    _recommend_tab(page, seeds=12)
    page.click(".sr-rec-kind-measures")
    page.click(".sr-rec-run")
    progress = page.locator(".sr-rec-progress")
    started = "/… [1-9]\\d* 次模拟完成/.test(document.querySelector('.sr-rec-progress')?.innerText)"
    page.wait_for_function(started, polling=100)  # progress is reported
    page.click(".sr-rec-cancel")
    expect(progress).to_have_count(0)
    expect(page.locator(".sr-rec-run")).to_be_enabled()
    expect(page.locator(".sr-rec-result")).to_have_count(0)
    expect(page.locator(".sr-error")).to_have_count(0)
    page.fill(".sr-rec-seeds input", "0")  # refused in the page's words, not quietly made 10
    page.keyboard.press("Enter")
    page.click(".sr-rec-run")
    expect(page.locator(".sr-error")).to_contain_text("重复次数 (随机种子)：0 不允许（允许 1–200 的整数）")
    expect(page.locator(".sr-rec-progress")).to_have_count(0)
    page.fill(".sr-rec-seeds input", "2")
    page.keyboard.press("Enter")
    page.click(".sr-rec-kind-routes")
    page.click(".sr-rec-run")
    expect(page.locator(".sr-rec-result-routes .sr-rec-share")).to_contain_text("的学生获得更安全的路线")
    expect(page.locator(".sr-rec-result-routes .sr-rec-table")).to_contain_text("预期重伤（每10万人次）")
    page.click(".sr-lang")
    expect(page.locator(".sr-rec-result-routes .sr-rec-table")).to_contain_text("expected severe injuries")
    expect(page.locator(".sr-rec-run")).to_have_text("Recommend")
    page.wait_for_function("(document.querySelector('.sr-rec-map img')?.naturalWidth || 0) > 100")
    shot(page, "recommend-routes-en", selector=".sr-recommend-page")
    assert ui.outside == []


@pytest.mark.browser
def test_edited_levers_reach_the_scenario_and_it_runs(ui: Page, server: dict[str, object]) -> None:
    page = ui.page
    _small(page)
    page.fill(".sr-education input", "40")
    page.keyboard.press("Enter")
    wait_text(page, ".sr-yaml", "share: 0.4")
    page.click(".sr-stagger label")
    wait_text(page, ".sr-yaml", "type: start_time")
    zoom_and_click(page, "x24-23")
    levers_box = page.locator(".sr-crossing-editor .sr-road-levers")
    levers_box.locator(".sr-lanes input").fill("2")
    levers_box.locator(".sr-vph input").fill("1200")
    levers_box.locator(".sr-vph-other input").fill("900")
    levers_box.locator(".sr-road-apply").click()
    wait_text(page, ".sr-yaml", "lane_reduction")
    text = yaml_text(page)
    assert re.search(r"crossings: \[x24-23\],?\s+lanes_per_direction: 2", text), text
    assert "vph: [1200.0, 900.0]" in text, text
    expect(page.locator(".sr-changes")).to_contain_text("交通安全教育：40% 的儿童")
    shot(page, "levers")
    page.click(".sr-run")
    page.wait_for_selector(".sr-run-summary")
    page.click(".sr-save")
    page.wait_for_selector(".sr-notice")
    saved = sorted(Path(str(server["folder"])).glob("*.yaml"), key=lambda p: p.stat().st_mtime)[-1]
    scenario = load_scenario(saved)
    kinds = {c.type: c for c in scenario.interventions}
    assert kinds["education"].share == 0.4 and kinds["lane_reduction"].lanes_per_direction == 2
    assert kinds["start_time"].ages == (10, 11, 12) and scenario.children == int(CHILDREN)
    assert ui.outside == []
