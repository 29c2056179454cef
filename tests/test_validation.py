"""The kerb model against the HCM closed forms (DESIGN §4)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.validation import (
    STANDARD_CASES,
    CaseResult,
    CrossingCase,
    hcm_signalised_delay,
    hcm_unsignalised_delay,
    simulate_case,
)

ROOT = Path(__file__).resolve().parent.parent
FLOWS = (300.0, 600.0, 900.0)
LENGTHS = (7.0, 10.5, 14.0)


# --- the closed forms themselves ----------------------------------------------------------


@pytest.mark.parametrize(
    ("flow", "tc", "delay", "p_wait"),
    [
        # v = 1 veh/s, t_c = 1 s: d_g = e - 2, P_d = 1 - 1/e
        (3600.0, 1.0, 0.7182818284590451, 0.6321205588285577),
        # v = 0.1 veh/s, t_c = 10 s: v t_c = 1 again, d_g ten times longer
        (360.0, 10.0, 7.182818284590451, 0.6321205588285577),
        # v = 1/6 veh/s, t_c = 12 s: v t_c = 2, d_g = 6 (e^2 - 3) = 26.33433659...
        (600.0, 12.0, 26.334336594, 0.8646647167633873),
        # no traffic: nobody waits
        (0.0, 9.5, 0.0, 0.0),
    ],
)
def test_hcm_unsignalised_by_hand(flow, tc, delay, p_wait):
    d_g, p_d = hcm_unsignalised_delay(flow, tc)
    assert d_g == pytest.approx(delay, rel=1e-9, abs=1e-12)
    assert p_d == pytest.approx(p_wait, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("cycle", "green", "delay"),
    [(90.0, 25.0, 65.0**2 / 180.0), (120.0, 30.0, 33.75), (60.0, 60.0, 0.0), (100.0, 0.0, 50.0)],
)
def test_hcm_signalised_by_hand(cycle, green, delay):
    assert hcm_signalised_delay(cycle, green) == pytest.approx(delay, rel=1e-12, abs=1e-12)


def test_closed_form_grows_with_flow_and_headway():
    delays = [hcm_unsignalised_delay(f, 10.0)[0] for f in (100, 300, 600, 900)]
    assert delays == sorted(delays) and len(set(delays)) == 4
    probs = [hcm_unsignalised_delay(600, tc)[1] for tc in (5, 10, 15)]
    assert probs == sorted(probs) and len(set(probs)) == 3


# --- simulation against the closed forms ----------------------------------------------------


def _within(value: float, expected: float, stderr: float, k: float = 3.0) -> bool:
    return abs(value - expected) <= k * stderr


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("flow", FLOWS)
def test_unsignalised_delay_matches_hcm(flow, length):
    """Mean delay and share delayed within 3 s.e. of HCM 2010 Eq. 19-75."""
    r = simulate_case(CrossingCase(flow=flow, length=length, crossings=5000, seed=11))
    tc = length / 1.07 + 3.0
    d_g, p_d = hcm_unsignalised_delay(flow, tc)
    assert r.crossings == 5000
    assert r.critical_headway_s == pytest.approx(tc)
    assert r.closed_form_delay_s == pytest.approx(d_g)
    assert r.closed_form_p_wait == pytest.approx(p_d)
    assert _within(r.mean_delay_s, d_g, r.stderr_s), (r.mean_delay_s, r.stderr_s, d_g)
    assert _within(r.p_wait, p_d, r.p_wait_stderr), (r.p_wait, r.p_wait_stderr, p_d)
    # the standard error is a real Monte-Carlo error, not a degenerate one
    assert 0 < r.stderr_s < 0.1 * d_g + 0.5


@pytest.mark.parametrize(("cycle", "green"), [(90.0, 25.0), (120.0, 30.0), (60.0, 20.0)])
def test_signalised_delay_matches_hcm(cycle, green):
    """Full compliance, uniform arrivals: mean delay within 3 s.e. of (C - g)^2 / 2C."""
    case = CrossingCase(flow=600, length=14.0, signal=(cycle, green), crossings=5000, seed=5)
    r = simulate_case(case)
    d_p = hcm_signalised_delay(cycle, green)
    assert r.closed_form_delay_s == pytest.approx(d_p)
    assert r.closed_form_p_wait is None
    assert _within(r.mean_delay_s, d_p, r.stderr_s), (r.mean_delay_s, r.stderr_s, d_p)
    # share who wait is the red share of the cycle
    red = (cycle - green) / cycle
    assert _within(r.p_wait, red, r.p_wait_stderr)


def test_simulate_case_is_reproducible_and_seeded():
    case = CrossingCase(flow=600, length=7.0, crossings=400, seed=2)
    a, b = simulate_case(case), simulate_case(case)
    assert a == b
    c = simulate_case(CrossingCase(flow=600, length=7.0, crossings=400, seed=3))
    assert c.mean_delay_s != a.mean_delay_s


def test_yielding_lowers_delay_below_the_no_yield_closed_form():
    """With yielding, the HCM no-yield delay is an upper reference: simulation falls below it."""
    r = simulate_case(CrossingCase(flow=900, length=10.5, yield_rate=0.5, crossings=2000, seed=4))
    d_g, _ = hcm_unsignalised_delay(900, 10.5 / 1.07 + 3.0)
    assert r.closed_form_delay_s is None and r.closed_form_p_wait is None
    assert r.mean_delay_s + 3 * r.stderr_s < d_g


def test_cli_validate_prints_one_json_object():
    cmd = [sys.executable, "-m", "simulator.cli", "validate", "--flow", "600", "--length", "7",
           "--walk-speed", "1.07", "--startup", "3", "--crossings", "2000", "--seed", "3", "--json"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert isinstance(out, dict)
    assert {"mean_delay_s", "stderr_s", "p_wait", "crossings"} <= set(out)
    assert out["crossings"] == 2000
    d_g, p_d = hcm_unsignalised_delay(600, 7 / 1.07 + 3)
    assert abs(out["mean_delay_s"] - d_g) <= 3 * out["stderr_s"]
    assert 0 < out["p_wait"] < 1 and abs(out["p_wait"] - p_d) < 0.05
    # the same numbers as the library call
    lib = simulate_case(CrossingCase(flow=600, length=7.0, crossings=2000, seed=3))
    assert out["mean_delay_s"] == pytest.approx(lib.mean_delay_s, rel=1e-12)
    assert out["z"] == pytest.approx(lib.z) and out["passed"] is True


def _result(mean: float, stderr: float, closed_form: float | None) -> CaseResult:
    return CaseResult(mean_delay_s=mean, stderr_s=stderr, p_wait=0.5, p_wait_stderr=0.01, crossings=100,
                      closed_form_delay_s=closed_form, closed_form_p_wait=None, critical_headway_s=9.5,
                      flow_vph=600, length_m=7.0)


def test_a_case_passes_within_three_standard_errors_of_the_closed_form():
    assert _result(10.0, 1.0, 12.9).passed is True and _result(10.0, 1.0, 12.9).z == pytest.approx(-2.9)
    assert _result(10.0, 1.0, 13.1).passed is False and _result(16.5, 2.0, 10.0).passed is False
    assert _result(10.0, 0.0, 10.0).passed is True and _result(10.0, 0.0, 10.5).passed is False
    assert _result(10.0, 1.0, None).passed is None and _result(10.0, 1.0, None).z is None


def test_cli_validate_ends_with_a_verdict_per_case_and_overall():
    cmd = [sys.executable, "-m", "simulator.cli", "validate"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    lines = done.stdout.splitlines()
    assert len(lines) == len(STANDARD_CASES) + 1
    verdicts = [line.rsplit(" ", 1)[1] for line in lines[:-1]]
    assert set(verdicts) <= {"PASS", "FAIL"}
    passed = verdicts.count("PASS")
    assert lines[-1].startswith(f"{'PASS' if passed == len(verdicts) else 'FAIL'}: {passed} of "
                                f"{len(STANDARD_CASES)} cases within 3 standard errors")
    assert done.returncode == (0 if passed == len(verdicts) else 1)
    assert passed == len(verdicts)  # the model agrees with the HCM on every standard case
    yielding = subprocess.run([*cmd, "--flow", "600", "--length", "7", "--crossings", "200", "--yield-rate",
                               "0.3"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert yielding.returncode == 0 and yielding.stdout.splitlines()[-1].startswith("not checked: ")


# --- heavier, more precise --------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("case", STANDARD_CASES,
                         ids=lambda c: f"{c.flow:.0f}vph-{c.length}m-{c.signal}")
def test_standard_cases_precise(case):
    """The cases ``saferoute validate`` runs, with 20,000 pedestrians and two seeds each."""
    for seed in (21, 22):
        r = simulate_case(CrossingCase(**{**case.__dict__, "crossings": 20000, "seed": seed}))
        assert _within(r.mean_delay_s, r.closed_form_delay_s, r.stderr_s)
        if r.closed_form_p_wait is not None:
            assert _within(r.p_wait, r.closed_form_p_wait, r.p_wait_stderr)
        # at this size the relative Monte-Carlo error is small: agreement is meaningful
        assert r.stderr_s < 0.03 * r.closed_form_delay_s


@pytest.mark.slow
@pytest.mark.parametrize(("flow", "length"), [(150.0, 7.0), (1200.0, 7.0), (450.0, 21.0)])
def test_unsignalised_extremes_precise(flow, length):
    r = simulate_case(CrossingCase(flow=flow, length=length, crossings=20000, seed=31))
    assert _within(r.mean_delay_s, r.closed_form_delay_s, r.stderr_s)
    assert _within(r.p_wait, r.closed_form_p_wait, r.p_wait_stderr)
    assert math.isfinite(r.mean_delay_s)
