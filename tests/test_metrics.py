"""The metric registry: one entry per run figure, read by the summary, the command line, report and UI."""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
import yaml

from simulator.cli.runs import HEADLINE, format_comparison
from simulator.errors import ParameterError
from simulator.metric import (
    CALIBRATION_TARGET,
    DEATHS_TARGET,
    LANGS,
    METRICS,
    UNITS,
    Direction,
    Metric,
    calibration_note,
    metrics_from_entries,
    per_year_note,
)
from simulator.metrics import SUMMARY_FIELDS, run_summary
from simulator.params import default_parameters, packaged_data
from simulator.report import content
from simulator.report import texts as report_texts
from simulator.runs import RunResult, paired_differences, summary_table
from simulator.ui import charts
from simulator.ui import texts as ui_texts

SIMULATOR = Path(__file__).resolve().parents[1] / "simulator"
CJK = re.compile(r"[\u4e00-\u9fff]")
EMPTY = pd.DataFrame()
PARAMS = default_parameters().with_overrides({"calibration.trips_per_day": 2, "cost.school_days": 100})
"""A parameter table with round numbers of trips a year: 2 a day x 100 days."""


def tiny_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two trips (one avoiding stairs) and two crossing events."""
    trips = pd.DataFrame({
        "p_severe": [0.001, 0.0], "p_death": [0.0001, 0.0], "conflicts": [1.0, 0.5],
        "unassisted_arterial": [1, 0], "in_road_s": [8.0, 4.0], "wait_s": [20.0, 0.0],
        "trip_s": [600.0, 500.0], "detour_m": [0.0, 30.0], "late": [False, True], "step_free": [True, False],
        "step_free_extra_m": [40.0, 0.0], "forced_at_grade": [1, 0]})
    events = pd.DataFrame({"wait_s": [20.0, 0.0], "children": [1, 1], "mode": ["red", "green"],
                           "short_sight": [True, False]})
    return trips, events


def tiny_run() -> dict[str, float]:
    """The summary of :func:`tiny_tables`."""
    return run_summary(*tiny_tables(), params=PARAMS)


def test_every_summary_figure_has_one_complete_registry_entry() -> None:
    summary = tiny_run()
    assert list(summary) == list(METRICS) == list(SUMMARY_FIELDS)
    for key, m in METRICS.items():
        assert isinstance(m, Metric) and m.key == key
        assert m.unit in UNITS, key
        assert isinstance(m.decimals, int) and 0 <= m.decimals <= 4, key
        assert isinstance(m.direction, Direction), key
        assert CJK.search(m.label("zh")) and not CJK.search(m.label("en")), key
        assert m.short.isascii() and len(m.short) <= 26, key
        assert m.definition.zh.endswith("。") and m.definition.zh.count("。") == 1, key
        assert m.definition.en.endswith(".") and ". " not in m.definition.en, key
    for lang in LANGS:
        shown = [m.label(lang) for m in METRICS.values()]
        assert len(set(shown)) == len(shown), f"two figures share a label in {lang}"


@pytest.mark.parametrize(("suffix", "unit"), [("_s", "s"), ("_m", "m"), ("_pct", "%"),
                                              ("_per_100k_trips", "per 100,000 trips"),
                                              ("_per_100_trips", "per 100 trips"), ("_per_trip", "per trip"),
                                              ("_per_year", "per year")])
def test_a_figure_s_unit_agrees_with_its_name(suffix: str, unit: str) -> None:
    named = [m for key, m in METRICS.items() if key.endswith(suffix)]
    assert named and all(m.unit == unit for m in named)


def test_every_figure_is_bounded_as_what_it_counts() -> None:
    """Risks, counts and times cannot be negative, percentages stay within 0-100 (so do their intervals)."""
    for key, m in METRICS.items():
        if m.unit == "%":
            assert m.bounds == (0.0, 100.0), key
        elif key == "no_stairs_extra_m":  # a step-free route can be shorter than the usual one (the bridge)
            assert m.bounds == (-math.inf, math.inf), key
        else:
            assert m.bounds == (0.0, math.inf), key


def test_a_change_of_a_percentage_is_in_points_and_lower_is_better_for_risk() -> None:
    late = METRICS["late_pct"]
    assert late.label("en") == "children arriving late (%)"
    assert late.change_label("en") == "change in children arriving late (percentage points)"
    assert late.change_label("zh").endswith("（百分点）")
    assert METRICS["children"].label("en") == "children simulated"
    severe = METRICS["severe_per_100k_trips"].direction
    assert severe.improved(-1.0) and not severe.improved(1.0)
    assert Direction.HIGHER.improved(1.0) and not Direction.NEITHER.improved(-1.0)


def entries() -> list[dict[str, Any]]:
    """The registry written back as the entries of ``metrics.yaml``."""
    return [{"key": m.key, "unit": m.unit, "decimals": m.decimals, "direction": m.direction.name.lower(),
             "bounds": [None if math.isinf(b) else b for b in m.bounds],
             "name": {"zh": m.name.zh, "en": m.name.en}, "short": m.short,
             "definition": {"zh": m.definition.zh, "en": m.definition.en}} for m in METRICS.values()]


def test_the_registry_is_read_from_metrics_yaml_in_its_order() -> None:
    assert list(metrics_from_entries(entries(), origin="test").items()) == list(METRICS.items())
    text = (SIMULATOR / "data" / "metrics.yaml").read_text(encoding="utf-8")
    keys = [line.removeprefix("- key: ") for line in text.splitlines() if line.startswith("- key: ")]
    assert keys == list(METRICS)


def test_a_broken_metrics_file_gives_one_error_naming_every_problem() -> None:
    broken = entries()
    by_key = {entry["key"]: entry for entry in broken}
    del by_key["severe_per_100k_trips"]["unit"]
    by_key["deaths_per_100k_trips"]["direction"] = "sideways"
    by_key["conflicts_per_100_trips"]["decimals"] = -1
    by_key["unassisted_arterial_per_trip"]["name"] = {"zh": "只有中文"}
    by_key["late_pct"]["bounds"] = [100, 0]
    broken.append(dict(broken[0]))
    with pytest.raises(ParameterError) as raised:
        metrics_from_entries(broken, origin="simulator/data/metrics.yaml")
    message = str(raised.value)
    assert message.startswith("simulator/data/metrics.yaml: ")
    assert "severe_per_100k_trips: missing unit" in message
    assert "deaths_per_100k_trips.direction: 'sideways' is not one of lower, higher, neither" in message
    assert "conflicts_per_100_trips.decimals: -1 is not a whole number >= 0" in message
    assert "unassisted_arterial_per_trip.name: needs exactly zh and en" in message
    assert "late_pct.bounds: [100, 0] is not [low, high] with low < high" in message
    assert "children: a second entry with this key" in message
    with pytest.raises(ParameterError, match=r"entry 1: needs a mapping"):
        metrics_from_entries(["children"], origin="x")
    with pytest.raises(ParameterError, match=r"needs a list of figures"):
        metrics_from_entries({"children": {}}, origin="x")


@dataclass
class Compared:
    """What the UI's comparison functions read of a :class:`simulator.ui.jobs.Comparison`."""

    results: list[RunResult]
    baseline: str = "a"

    def summary(self) -> pd.DataFrame:
        return summary_table(self.results)

    def differences(self) -> pd.DataFrame:
        return paired_differences(self.results, baseline=self.baseline)


def compared() -> Compared:
    runs = [RunResult(name, seed, {key: 1.23456 * i + seed + (name == "b") for i, key in enumerate(METRICS)},
                      EMPTY, EMPTY, EMPTY) for name in ("a", "b") for seed in (1, 2, 3)]
    return Compared(runs)


def decimals(text: str) -> int:
    """The decimals of the first number in ``text``."""
    number = re.search(r"[+−-]?[\d,]+(?:\.(\d+))?", text)
    assert number
    return len(number.group(1) or "")


@pytest.mark.parametrize("lang", LANGS)
def test_the_report_and_the_ui_show_the_registry_s_label_and_decimals(lang: str) -> None:
    comp = compared()
    results = SimpleNamespace(summary=comp.summary(), differences=comp.differences(), scenarios=["a", "b"])
    report_rows = content.metric_rows(results, lang)
    ui_rows = charts.change_rows(comp, lang=lang, keys=tuple(METRICS))
    column = ui_texts.texts(lang)["metric"]
    for m, report_row, ui_row in zip(METRICS.values(), report_rows, ui_rows, strict=True):
        label = m.label(lang)
        assert report_row["label"] == ui_row[column] == label == report_texts.METRICS[lang][m.key]
        assert ui_texts.metric_names(lang)[m.key] == label
        assert all(f'data-decimals="{m.decimals}"' in str(cell) for cell in report_row["cells"])
        assert decimals(ui_row["a"]) == m.decimals, m.key
        change = content.change_cell(results, "b", m.key)
        assert f'data-decimals="{m.decimals}"' in str(change["html"])


def test_the_command_line_table_shows_the_registry_s_short_label_and_decimals() -> None:
    comp = compared()
    lines = format_comparison(comp.summary(), comp.differences(), params=PARAMS).splitlines()
    for key in HEADLINE:
        m = METRICS[key]
        line = next(line for line in lines if line.startswith(f"  {m.short} "))
        assert decimals(line[len(m.short) + 2:]) == m.decimals


def _label_tables(tree: ast.AST) -> list[int]:
    """Lines of dicts keyed by a figure that give it a fixed text or number, and tuples that pair a
    figure with a number (the shape of a label or decimals table)."""
    def figure(node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and node.value in METRICS

    def fixed(node: ast.AST | None) -> bool:
        if isinstance(node, ast.Tuple):  # texts in several languages
            return all(fixed(e) for e in node.elts)
        return isinstance(node, ast.Constant) and type(node.value) in (str, int) and node.value not in METRICS

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict) and any(figure(k) and fixed(v) for k, v in zip(node.keys, node.values,
                                                                                    strict=True)):
            found.append(node.lineno)
        if isinstance(node, ast.Tuple) and any(map(figure, node.elts)) and any(
                isinstance(e, ast.Constant) and type(e.value) is int for e in node.elts):
            found.append(node.lineno)
    return found


def test_nothing_else_defines_metric_labels_or_decimals() -> None:
    labels = {t for m in METRICS.values() for t in (*(m.label(lang) for lang in LANGS), m.short)}
    texts = labels - set(METRICS)  # a figure's key may be its short label ("children")
    problems = []
    for path in sorted(SIMULATOR.rglob("*.py")):
        if path.name == "metric.py" and path.parent == SIMULATOR:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(SIMULATOR.parent)
        problems += [f"{where}:{n}: a table of figures" for n in _label_tables(tree)]
        problems += [f"{where}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and node.value in texts]
    assert not problems, ("metric labels and decimals belong in simulator/data/metrics.yaml:\n"
                          + "\n".join(problems))


# --- what the numbers mean: casualties a year, calibration -----------------------------------------


def test_casualties_a_year_are_the_morning_s_times_the_trips_a_year() -> None:
    summary = tiny_run()  # p_severe 0.001 + 0, p_death 0.0001 + 0; 2 trips a day x 100 school days
    assert summary["severe_per_year"] == pytest.approx(0.001 * 2 * 100)
    assert summary["deaths_per_year"] == pytest.approx(0.0001 * 2 * 100)
    # the same risk in the two units: per 100,000 trips x trips a year x children / 100,000
    assert summary["severe_per_year"] == pytest.approx(summary["severe_per_100k_trips"] * 200 * 2 / 1e5)
    longer = PARAMS.with_overrides({"cost.school_days": 200})
    doubled = run_summary(*tiny_tables(), params=longer)
    assert doubled["severe_per_year"] == pytest.approx(2 * summary["severe_per_year"])
    assert doubled["severe_per_100k_trips"] == summary["severe_per_100k_trips"]


def test_the_per_year_figures_say_the_afternoon_trip_carries_the_morning_s_risk() -> None:
    for key in ("severe_per_year", "deaths_per_year"):
        m = METRICS[key]
        assert m.unit == "per year" and m.direction is Direction.LOWER
        assert "afternoon trip is assumed to carry the morning's risk" in m.definition.en
        assert "假定放学出行与上学出行风险相同" in m.definition.zh
    assert METRICS["severe_per_year"].label("zh") == "本校预期重伤（人/年）"
    assert METRICS["deaths_per_year"].label("en") == "expected deaths at this school (per year)"
    # readable at the calibrated level: about 0.07 severe and 0.007 deaths per 100,000 trips
    assert METRICS["severe_per_100k_trips"].decimals >= 3 and METRICS["deaths_per_100k_trips"].decimals >= 4
    assert METRICS["severe_per_year"].decimals >= 2 and METRICS["deaths_per_year"].decimals >= 3
    assert per_year_note(PARAMS, "en").count("× 2 trips a school day × 100 school days") == 1
    assert "每个上学日 2 次出行 × 每年 100 个上学日" in per_year_note(PARAMS, "zh")


@pytest.mark.parametrize("lang", LANGS)
def test_the_calibration_line_is_built_from_the_parameter_table(lang: str) -> None:
    table = default_parameters()
    low, central, high = table[CALIBRATION_TARGET]
    line = calibration_note(table, lang)
    for value in (low, central, high):
        assert f"{value:g}" in line
    assert CALIBRATION_TARGET in line
    factor = round(max(central / low, high / central))
    assert (f"×{factor} " if lang == "en" else f"上下 {factor} 倍") in line
    sentences = line.count(". ") + line.endswith(".") if lang == "en" else line.count("。")
    assert sentences == 2
    other = table.with_overrides({CALIBRATION_TARGET: [0.02, 0.1, 0.3]})
    changed = calibration_note(other, lang)
    assert changed != line and "0.1" in changed and "0.02–0.3" in changed
    assert ("×5 " if lang == "en" else "上下 5 倍") in changed  # max(0.1/0.02, 0.3/0.1) = 5
    deaths = table[DEATHS_TARGET]
    assert all(f"{value:g}" in line for value in deaths)  # the deaths' band is said too
    manifest = {CALIBRATION_TARGET: [0.08, 0.1, 0.15], DEATHS_TARGET: deaths}  # a manifest's key -> value
    narrow = calibration_note(manifest, lang)
    assert ("×1.5 " if lang == "en" else "上下 1.5 倍") in narrow


@pytest.mark.parametrize("bad", [[0.1, 0.05, 0.3], [0.0, 0.1, 0.3], [0.1, 0.3], "0.1", [0.1, True, 0.3]])
def test_a_calibration_target_that_is_not_a_band_is_one_error(bad: object) -> None:
    with pytest.raises(ParameterError, match=rf"^{re.escape(CALIBRATION_TARGET)}: .* is not allowed"):
        calibration_note({CALIBRATION_TARGET: bad, DEATHS_TARGET: [0.002, 0.007, 0.027]}, "en")


def test_the_command_line_table_shows_the_casualties_a_year_and_the_calibration_line() -> None:
    comp = compared()
    text = format_comparison(comp.summary(), comp.differences(), params=PARAMS)
    for key in ("severe_per_100k_trips", "deaths_per_100k_trips", "severe_per_year", "deaths_per_year"):
        assert sum(line.startswith(f"  {METRICS[key].short} ") for line in text.splitlines()) == 2, key
    flat = " ".join(text.split())
    assert calibration_note(PARAMS, "en") in flat and per_year_note(PARAMS, "en") in flat


@pytest.mark.parametrize("name", ["metrics.yaml", "parameters.yaml"])
def test_the_packaged_files_read_fast_are_the_files_read_by_pyyaml(name: str) -> None:
    text = (SIMULATOR / "data" / name).read_text(encoding="utf-8")
    assert repr(packaged_data(name)) == repr(yaml.safe_load(text))
