"""Measures' predicted effects on severe risk, next to what studies measured (never fitted to them).

Run from the repository root (about 4 minutes on 2 cores)::

    .venv/bin/python validation/effects.py            # 10 seeds, 2 workers
    .venv/bin/python validation/effects.py --seeds 20
    .venv/bin/python validation/effects.py --set child.judgement_sd=0.4   # a sensitivity run

For each measure: the ratio of the default district's expected severe
injuries with the measure to without (mean over seeds, with a 95% interval
of the paired ratio), overall and at the crossings the measure changes (its
facility, traffic, parking or guards). docs/validation.md sets these next to
the literature (docs/calibration-sources.md section 4).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import yaml

from simulator.experiment import settings_from_scenarios
from simulator.runs import run_many
from simulator.scenario.load import load_scenario, scenario_from_mapping

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
MEASURES = ("school-zone-30", "speed-humps", "guard-posts", "arterial-signal", "education", "footbridge",
            "gate-kiss-and-ride", "gate-guard", "school-bus", "fewer-cars", "staggered-start")
COLLECTOR_CROSSINGS = ["x116-24", "x24-116", "x24-117"]  # the collector zebras next to the gate


def facility_scenario(facility: str):
    """The baseline with ``facility`` at the collector zebras next to the gate."""
    return scenario_from_mapping({
        "name": f"{facility} at the collector zebras", "site": {"synthetic": {"seed": 1}},
        "interventions": [{"type": "facility", "crossings": COLLECTOR_CROSSINGS, "facility": facility}],
    }, origin="validation/effects.py")


def with_parameters(scenario, overrides: dict):
    """The scenario with these parameter overrides added (validated like a file's ``parameters``)."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["parameters"] = {**data.get("parameters", {}), **overrides}
    return scenario_from_mapping(data, origin="validation/effects.py --set")


def treated(setting, base) -> set[str]:
    """Crossings whose facility, parking, traffic or guards differ from the baseline's."""
    out = {p.crossing for p in setting.guards}
    for cid, tr in setting.traffic.items():
        b = base.traffic.get(cid)
        same = b is not None and (b.crossing, b.mean_speed, b.yield_base, b.rate) == (
            tr.crossing, tr.mean_speed, tr.yield_base, tr.rate)
        if not same:
            out.add(cid)
    return out


def severe_at(results: list, crossings: list[str]) -> np.ndarray:
    """Per run, the expected severe injuries at these crossings."""
    return np.array([r.crossings.set_index("crossing").reindex(crossings)["p_severe_sum"].sum()
                     for r in results])


def ratio_ci(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of paired ratios a/b and the half-width of its 95% interval (normal)."""
    r = a / b
    return float(r.mean()), float(1.96 * r.std(ddof=1) / math.sqrt(r.size))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a parameter in every scenario (repeatable), e.g. child.judgement_sd=0.4")
    args = ap.parse_args()
    overrides = {key: yaml.safe_load(value) for key, value in (item.split("=", 1) for item in args.set)}
    pairs = [(str(SCENARIOS / "baseline.yaml"), load_scenario(SCENARIOS / "baseline.yaml"))]
    pairs += [(str(SCENARIOS / f"{n}.yaml"), load_scenario(SCENARIOS / f"{n}.yaml")) for n in MEASURES]
    parking = SCENARIOS / "parking-baseline.yaml"
    pairs.append((str(parking), load_scenario(parking)))
    pairs += [("validation/effects.py", facility_scenario(f)) for f in ("raised", "refuge")]
    if overrides:
        pairs = [(origin, with_parameters(scenario, overrides)) for origin, scenario in pairs]
    settings, _ = settings_from_scenarios(pairs)
    results = run_many(settings, range(1, args.seeds + 1), workers=args.workers)
    by: dict[str, list] = {}
    for r in results:
        by.setdefault(r.scenario, []).append(r)
    base = settings[0]
    b = by[base.name]
    print(f"{'measure':<44} {'crossings':>9} {'overall':>16} {'at its crossings':>18}")
    for s in settings[1:]:
        cids = sorted(treated(s, base))
        runs = by[s.name]
        overall = ratio_ci(np.array([r.summary["severe_per_100k_trips"] for r in runs]),
                           np.array([r.summary["severe_per_100k_trips"] for r in b]))
        local = ratio_ci(severe_at(runs, cids), severe_at(b, cids)) if cids else (math.nan, math.nan)
        print(f"{s.name:<44} {len(cids):>9} {overall[0]:>9.3f} ±{overall[1]:.3f} "
              f"{local[0]:>11.3f} ±{local[1]:.3f}")


if __name__ == "__main__":
    main()
