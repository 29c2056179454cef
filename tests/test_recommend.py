"""The recommenders: guard placement against enumeration, monotone verified risk, detour bounds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.recommend import Evaluator, recommend_guards
from simulator.recommend.guards import parse_window, screening_gains
from simulator.recommend.measures import TARGETS, recommend_measures, target_crossings
from simulator.recommend.routes import recommend_routes
from simulator.scenario import scenario_from_mapping

SMALL = {"name": "small", "site": {"synthetic": {"superblocks": [2, 2], "compounds_per_block": 3}},
         "children": 250, "enforcement": "none"}


@pytest.fixture(scope="module")
def evaluator() -> Evaluator:
    return Evaluator(scenario_from_mapping(SMALL), seeds=(1, 2, 3), workers=1)


def test_greedy_guard_placement_matches_enumeration_on_a_small_district(evaluator: Evaluator) -> None:
    picks, table = recommend_guards(evaluator, staff=2, hours="07:10-08:30")
    assert len(picks) == 2
    candidates = list(table["crossing"][:4])
    spans = {row.crossing: row.span for row in table.itertuples()}
    best, best_risk = None, np.inf
    for pair in itertools.combinations(candidates, 2):
        posts = [{"type": "guard", "crossings": [c], "hours": _hours(spans[c]), "staff": "auxiliary_police"}
                 for c in pair]
        variant = evaluator.variant("pair " + "+".join(pair), posts)
        evaluator.run([variant])
        risk = evaluator.risk(variant.name).mean()
        if risk < best_risk:
            best, best_risk = set(pair), risk
    assert {p.crossing for p in picks} == best


def _hours(span: tuple[float, float]) -> str:
    from simulator.params import clock_text

    return f"{clock_text(span[0])[:5]}-{clock_text(span[1])[:5]}"


def test_adding_a_guard_never_increases_the_recommenders_risk(evaluator: Evaluator) -> None:
    picks, _ = recommend_guards(evaluator, staff=3, hours="07:10-08:30")
    assert picks
    assert all(p.change <= 0 for p in picks)
    cumulative = [0.0] + [p.cumulative for p in picks]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(cumulative))
    assert all(p.per_staff_hour >= 0 and p.staff_hours >= 0.5 for p in picks)


def test_screening_gain_is_the_risk_at_the_crossing_inside_the_window(evaluator: Evaluator) -> None:
    base = evaluator.variant(evaluator.base.name, [])
    evaluator.run([base])
    t0 = 6 * 3600 + 50 * 60
    whole = screening_gains(evaluator, base.name, (t0, t0 + 6000.0), t0)
    early = screening_gains(evaluator, base.name, (t0, t0 + 60.0), t0)
    assert whole["gain"].sum() == pytest.approx(evaluator.risk(base.name).mean(), rel=1e-6)
    assert early["gain"].sum() <= whole["gain"].sum()


@pytest.mark.parametrize("detour", [0.0, 0.1, 0.3])
def test_recommended_routes_never_exceed_the_detour_bound(evaluator: Evaluator, detour: float) -> None:
    advice = recommend_routes(evaluator, max_detour=detour, compliance=0.5)
    for choice in advice.routes.values():
        rec = choice.recommended
        assert rec is not None
        assert rec.length <= (1 + detour) * choice.compliant.length + 1e-6
        assert not any(evaluator.network.crossings[c].informal for c in rec.crossings)
    risky = advice.table["risk_recommended"] <= advice.table["risk_route"] + 1e-12
    assert risky.all()
    if detour == 0.0:
        assert advice.changed_share == pytest.approx(0.0, abs=1e-9) or (advice.table["detour_pct"] <= 0).all()


def test_measures_target_the_riskiest_crossings_whether_or_not_the_base_has_a_period(
        evaluator: Evaluator) -> None:
    """With a period the window is in clock seconds, the events count from its start (a bug emptied it)."""
    base = evaluator.variant(evaluator.base.name, [])
    evaluator.run([base])
    targets = target_crossings(evaluator, base.name)
    assert len(targets) == TARGETS
    timed = Evaluator(scenario_from_mapping(SMALL | {"period": {"start": "06:50", "end": "08:30"}}),
                      seeds=(1, 2, 3), workers=1)
    assert timed.base.period is not None
    timed.run([timed.variant(timed.base.name, [])])
    assert target_crossings(timed, timed.base.name) == targets


@pytest.mark.slow
def test_measures_are_ranked_by_risk_reduction_per_cost(evaluator: Evaluator) -> None:
    singles, sets = recommend_measures(evaluator, budget=40.0)
    ratios = singles["risk_reduction_per_cost"].to_numpy()
    assert (np.diff(ratios) <= 1e-12).all()
    assert (sets["cost"] <= 40.0).all() if len(sets) else True
    assert set(singles["kind"]) >= {"signal", "guard", "school_zone"}


def test_window_outside_the_period_is_refused() -> None:
    with pytest.raises(ScenarioError, match="outside the simulated period"):
        parse_window("05:00-06:00", period=(6 * 3600 + 50 * 60, 8.5 * 3600))
    with pytest.raises(ScenarioError, match="ends before it starts"):
        parse_window("08:00-07:00", period=(0, 86400))


@pytest.mark.parametrize(("args", "expected"), [
    (["recommend", "guards", "--staff", "100000"], "--staff: 100000 is not allowed"),
    (["recommend", "guards", "--staff", "2", "--hours", "05:00-06:00"], "outside the simulated period"),
    (["recommend", "measures", "--budget", "0.1", "--seeds", "1"], "at least the cheapest measure"),
    (["recommend", "routes", "--max-detour", "3"], "--max-detour: 3 is not allowed"),
])
def test_bad_input_is_one_clear_line(args: list[str], expected: str, capsys: pytest.CaptureFixture[str],
                                     tmp_path) -> None:
    code = main([*args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("saferoute: error: ") and expected in err
