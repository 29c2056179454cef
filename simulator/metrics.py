"""Figures from a finished run: per crossing event, per trip, per crossing, per run.

Risk in a party: an impact hurts one child, so an event's expected injury
probability is shared equally among the party's children (expected casualties
are preserved). Every summary figure carries its unit in its name; its
label, unit, decimals and definition are in :mod:`simulator.metric`. Rows
are built as named records (:class:`Event`, :class:`Trip`, dicts by name).

Trips that must avoid stairs (a child who cannot use stairs, or a stroller in
the party: see :mod:`simulator.access`) get their own figures; each is 0.0
when a run has no such trip, so means and intervals stay defined. Sight
distance (:mod:`simulator.sight`) is reported per event and per crossing.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from simulator.access import forced_at_grade, route_extra_s
from simulator.arrival import TRIP_MODES
from simulator.metric import METRICS, trips_a_year
from simulator.params import Parameters, clock_text
from simulator.sight import design_sight, kerb_sight, reported_sight

if TYPE_CHECKING:
    from simulator.model import SchoolRouteModel

UNSAFE_MODES = frozenset({"inattentive", "impatient", "staged", "red"})
ASSISTED_MODES = frozenset({"green", "guard", "footbridge", "underpass"})

SUMMARY_FIELDS: dict[str, str] = {key: m.definition.en for key, m in METRICS.items()}
"""Every per-run figure (:data:`simulator.metric.METRICS`) with its definition, in table order."""


class Event(NamedTuple):
    """One party's crossing: a row of the event table."""

    party: int
    children: int
    crossing: str
    facility: str
    highway: str
    arterial: bool
    guarded: bool
    mode: str  # how the party crossed: green, red, guard, impatient ...
    clock: str  # HH:MM:SS of the arrival at the kerb
    arrive_s: float
    wait_s: float
    in_road_s: float
    lag_s: float
    conflicts: float  # sampled count of the crossing walked (branches not walked add risk only)
    min_ttc_s: float
    min_pet_s: float
    max_drac_ms2: float
    p_impact: float  # probabilities for the whole party
    p_death: float
    p_severe: float
    sight_m: float
    short_sight: bool  # parked cars cut the sight below the stopping distance
    conflicts_twowheeler: float  # of conflicts, those with e-bikes and bicycles
    p_severe_twowheeler: float  # of p_severe (whole party), the part caused by e-bikes and bicycles


class Trip(NamedTuple):
    """One child's trip: a row of the trip table (its crossings' sums are joined to it)."""

    child: int
    party: int
    home: str
    age: int  # years
    escorted: bool
    educated: bool
    speed_ms: float  # m/s
    depart_s: float
    arrive_s: float
    trip_s: float
    free_walk_s: float
    route_m: float
    detour_m: float
    route: str  # compliant, shortcut or recommended; "gate" or "ban_edge" where a parent let the child out
    late: bool  # after the bell or not arrived
    arrival_mode: str  # simulator.arrival.TRIP_MODES
    start: str  # where the walk starts: the home, the bus stop, or the gate
    let_out: str  # where a parent stopped at the gate (simulator.gate.Drop.place); "" for the others


class StepFree(NamedTuple):
    """One child's needs on the way: the last columns of the trip table."""

    profile: str
    step_free: bool  # the party must avoid stairs
    forced_at_grade: int
    step_free_extra_m: float


def event_table(model: SchoolRouteModel) -> pd.DataFrame:
    """One row per party per crossing."""
    rows: list[Event] = []
    t0 = model.setting.period_start
    traffic = model.setting.traffic
    sights: dict[tuple[str, bool], tuple[float, bool]] = {}
    for number, party in enumerate(model.parties):
        for cid, o, guarded in party.outcomes:
            c = traffic[cid].crossing
            e = o.encounter
            guard = model.guards.get(cid)
            cleared = guarded and guard is not None and guard.post.clear_parking
            if (cid, cleared) not in sights:
                sights[(cid, cleared)] = reported_sight(c, model.params, cleared=cleared)
            sight_m, short = sights[(cid, cleared)]
            rows.append(Event(
                party=number, children=party.size, crossing=cid, facility=c.facility, highway=c.highway,
                arterial=c.arterial, guarded=guarded, mode=o.mode, clock=clock_text(t0 + o.arrive),
                arrive_s=o.arrive, wait_s=o.wait, in_road_s=o.in_road, lag_s=o.lag, conflicts=e.conflicts,
                min_ttc_s=e.min_ttc, min_pet_s=e.min_pet, max_drac_ms2=e.max_drac, p_impact=e.p_impact,
                p_death=e.p_death, p_severe=e.p_severe, sight_m=sight_m, short_sight=short,
                conflicts_twowheeler=e.conflicts_tw, p_severe_twowheeler=e.p_severe_tw,
            ))
    return pd.DataFrame(rows, columns=Event._fields)


def trip_table(model: SchoolRouteModel, events: pd.DataFrame) -> pd.DataFrame:
    """One row per child."""
    s = model.setting
    # per party: its crossings and their sums (one grouped sum of every column: a run has thousands of events)
    by_party = pd.DataFrame({
        "party": events["party"],
        "wait_s": events["wait_s"],
        "in_road_s": events["in_road_s"],
        "conflicts": events["conflicts"],
        "unassisted_arterial": events["arterial"] & ~events["mode"].isin(ASSISTED_MODES),
        "p_death": events["p_death"] / events["children"],
        "p_severe": events["p_severe"] / events["children"],
    }).groupby("party")
    per_party = by_party.sum()
    per_party.insert(0, "crossings", by_party.size())
    rows: list[Trip] = []
    needs: list[StepFree] = []
    crossings = s.network.crossings
    for number, party in enumerate(model.parties):
        r, choice = party.route, party.choice
        free = r.length / party.speed + route_extra_s(r.crossings, crossings, s.params,
                                                      step_free=party.step_free)
        arrive = party.arrived if party.arrived is not None else math.nan
        forced = forced_at_grade(r.crossings, crossings) if party.step_free else 0
        for child in party.members:
            needs.append(StepFree(profile=child.profile, step_free=party.step_free, forced_at_grade=forced,
                                  step_free_extra_m=r.length - party.usual_route.length))
            rows.append(Trip(
                child=child.index, party=number, home=child.home, age=child.age, escorted=child.escorted,
                educated=child.educated, speed_ms=party.speed, depart_s=party.depart, arrive_s=arrive,
                trip_s=arrive - party.depart, free_walk_s=free, route_m=r.length,
                detour_m=0.0 if choice is None else r.length - choice.shortest_length,
                route=party.origin if choice is None else _route_kind(r, choice),
                late=not (arrive <= s.bell_for(child.age)), arrival_mode=trip_mode(party.arrival_mode, child),
                start=party.origin, let_out=party.let_out,
            ))
    trips = pd.DataFrame(rows, columns=Trip._fields)
    trips = trips.join(per_party, on="party")
    fill = {
        "crossings": 0,
        "wait_s": 0.0,
        "in_road_s": 0.0,
        "conflicts": 0.0,
        "unassisted_arterial": 0,
        "p_death": 0.0,
        "p_severe": 0.0,
    }
    # conflicts are counts of the crossings walked
    trips = trips.fillna(fill).astype({"crossings": int, "unassisted_arterial": int})
    for name, column in pd.DataFrame(needs, columns=StepFree._fields).items():
        trips[name] = column.to_numpy()
    return trips.astype({"step_free": bool, "forced_at_grade": int, "step_free_extra_m": float})


def trip_mode(mode: str, child: object) -> str:
    """The ``arrival_mode`` of a child's trip: walkers split by whether an adult walks with them."""
    if mode == "walk":
        return "walk_escorted" if getattr(child, "escorted", False) else "walk_alone"
    return mode


def _route_kind(route, choice) -> str:
    """Which of a home's routes a party took: compliant, shortcut (under a bridge) or recommended.

    A step-free party's routes count as compliant (only real facilities, with a
    detour, a ramp or a lift) or shortcut (at grade beneath a bridge).
    """
    free_compliant, free_shortcut = choice.step_free_routes()
    if route is choice.compliant or route is free_compliant:
        return "compliant"
    if route is choice.shortcut or route is free_shortcut:
        return "shortcut"
    return "recommended"


def los(wait: float, *, signalised: bool, params: Parameters) -> str:
    """HCM pedestrian level of service from mean delay."""
    bounds = params["hcm.los_signalised" if signalised else "hcm.los_unsignalised"]
    for letter, bound in zip("ABCDE", bounds, strict=True):
        if wait <= bound:
            return letter
    return "F"


def crossing_table(model: SchoolRouteModel, events: pd.DataFrame) -> pd.DataFrame:
    """One row per crossing that anyone used."""
    s = model.setting
    rows: list[dict[str, object]] = []
    # group with numpy (row order kept within a crossing): per-group pandas indexing was most of
    # this function's time
    codes, names = pd.factorize(events["crossing"], sort=True)
    if len(names) == 0:
        return pd.DataFrame(rows)
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(names)))[:-1]
    col = {
        k: events[k].to_numpy() for k in ("wait_s", "children", "guarded", "conflicts", "p_severe", "p_death")
    }
    unsafe_all = events["mode"].isin(UNSAFE_MODES).to_numpy()
    red_all = (events["mode"] == "red").to_numpy()
    for cid, idx in zip(names, np.split(order, bounds), strict=True):
        tr = s.traffic[cid]
        c = tr.crossing
        children = col["children"][idx]
        w = np.repeat(col["wait_s"][idx], children)
        mean_wait = float(w.mean())
        uses = children.sum()
        rows.append(
            {
                "crossing": cid,
                "facility": c.facility,
                "road": c.name,
                "highway": c.highway,
                "lanes": sum(c.lanes),
                "length_m": c.length,
                "speed_limit_kmh": c.speed_limit,
                "p85_kmh": round(tr.p85_kmh, 1),
                "volume_vph": sum(c.volume),
                "twowheelers_peak_vph": tr.twowheelers_peak_vph,
                "x": c.x,
                "y": c.y,
                "inferred": c.inferred,
                "guarded": bool(col["guarded"][idx].any()),
                "uses": int(uses),
                "wait_mean_s": mean_wait,
                "wait_p95_s": float(np.percentile(w, 95)),
                "los": los(mean_wait, signalised=c.facility == "signal", params=s.params),
                "conflicts": int(col["conflicts"][idx].sum()),
                "p_severe_sum": float(col["p_severe"][idx].sum()),
                "p_death_sum": float(col["p_death"][idx].sum()),
                "unsafe_pct": float(100 * (children * unsafe_all[idx]).sum() / uses),
                "red_light_pct": float(100 * (children * red_all[idx]).sum() / uses),
                **_kerbside(c, s.params),
            }
        )
    return pd.DataFrame(rows)


def _kerbside(c, params: Parameters) -> dict[str, object]:
    """A crossing's step-free access, kerbside parking and sight (a sight hot spot if short).

    ``sight_m`` is seen from the kerb edge, ``edge_sight_m`` from the parked
    cars' outer edge; both at most the design sight (the stopping sight
    distance of the road class).
    """
    sight, short = reported_sight(c, params)
    return {
        "access": c.access if c.grade_separated else "",
        "parking_m": c.parking_m,
        "no_parking_m": c.no_parking_m,
        "sight_m": sight,
        "edge_sight_m": design_sight(c, params) if c.grade_separated else kerb_sight(c, params, edge=True),
        "design_sight_m": design_sight(c, params),
        "short_sight": short,
    }


def run_summary(trips: pd.DataFrame, events: pd.DataFrame, *, params: Parameters) -> dict[str, float]:
    """The per-run figures of :data:`simulator.metric.METRICS`, in its order.

    Parameters
    ----------
    trips
        The trip table (:func:`trip_table`): one row per child.
    events
        The event table (:func:`event_table`): one row per party per crossing.
    params
        The parameter table of the run: it turns the morning's expected
        casualties into casualties a year (:func:`simulator.metric.trips_a_year`).
    """
    n = len(trips)
    yearly = trips_a_year(params)
    w = np.repeat(events["wait_s"].to_numpy(), events["children"].to_numpy()) if len(events) else np.zeros(1)
    crossings = max(int(events["children"].sum()), 1) if len(events) else 1
    unsafe = float((events["children"] * events["mode"].isin(UNSAFE_MODES)).sum()) if len(events) else 0.0
    short = (float((events["children"] * events["short_sight"]).sum())
             if len(events) and "short_sight" in events else 0.0)
    figures = {
        "children": float(n),
        "severe_per_100k_trips": 1e5 * float(trips["p_severe"].sum()) / n,
        "deaths_per_100k_trips": 1e5 * float(trips["p_death"].sum()) / n,
        "severe_per_year": yearly * float(trips["p_severe"].sum()),
        "deaths_per_year": yearly * float(trips["p_death"].sum()),
        **_twowheeler_summary(trips, events),
        "conflicts_per_100_trips": 100.0 * float(trips["conflicts"].sum()) / n,
        "unassisted_arterial_per_trip": float(trips["unassisted_arterial"].mean()),
        "in_road_per_trip_s": float(trips["in_road_s"].mean()),
        "wait_per_trip_s": float(trips["wait_s"].mean()),
        "wait_p95_s": float(np.percentile(w, 95)),
        "trip_time_mean_s": float(trips["trip_s"].mean()),
        "detour_mean_m": float(trips["detour_m"].mean()),
        "late_pct": 100.0 * float(trips["late"].mean()),
        "unsafe_crossings_pct": 100.0 * unsafe / crossings,
        **_step_free_summary(trips),
        "short_sight_crossings_pct": 100.0 * short / crossings,
        **_mode_summary(trips),
    }
    return {key: figures[key] for key in METRICS}


def _mode_summary(trips: pd.DataFrame) -> dict[str, float]:
    """Figures by arrival mode (:mod:`simulator.arrival`): who walks from home, and who bears the risk."""
    mode = trips["arrival_mode"] if "arrival_mode" in trips else pd.Series("walk_alone", index=trips.index)
    walking = mode.isin(("walk_alone", "walk_escorted")).to_numpy()
    severe = trips["p_severe"].to_numpy()
    total = float(severe.sum())
    k = int(walking.sum())
    deaths = trips["p_death"].to_numpy()
    out = {"walking_trips_pct": 100.0 * k / max(len(trips), 1),
           "severe_per_100k_walking_trips": 1e5 * float(severe[walking].sum()) / k if k else 0.0,
           "deaths_per_100k_walking_trips": 1e5 * float(deaths[walking].sum()) / k if k else 0.0}
    for m in TRIP_MODES:
        share = float(severe[(mode == m).to_numpy()].sum()) / total if total > 0 else 0.0
        out[f"severe_share_{m}_pct"] = 100.0 * share
    let_out = trips["let_out"] if "let_out" in trips else pd.Series("", index=trips.index)
    at_kerb = let_out.isin(("kerb", "lane", "far_kerb", "far_lane"))
    lane = let_out.isin(("lane", "far_lane"))
    out["double_parked_pct"] = 100.0 * float(lane.sum()) / int(at_kerb.sum()) if at_kerb.any() else 0.0
    return out


def _twowheeler_summary(trips: pd.DataFrame, events: pd.DataFrame) -> dict[str, float]:
    """Expected severe injuries caused by e-bikes and bicycles: per 100,000 trips and as a share (%).

    Shared among a party's children as ``severe_per_100k_trips`` is, so the
    party's total is the event's: the sum over events is the sum over trips
    (the share's denominator). The share is 0.0 when there is no risk.
    """
    n = max(len(trips), 1)
    rider = float(events["p_severe_twowheeler"].sum()) if "p_severe_twowheeler" in events else 0.0
    total = float(trips["p_severe"].sum())
    return {"severe_twowheeler_per_100k_trips": 1e5 * rider / n,
            "twowheeler_severe_share_pct": 100.0 * rider / total if total > 0 else 0.0}


def _step_free_summary(trips: pd.DataFrame) -> dict[str, float]:
    """Figures of the trips that must avoid stairs (0.0 each when there are none)."""
    free = trips[trips["step_free"]] if "step_free" in trips else trips.iloc[:0]
    k = len(free)
    if k == 0:
        return {"no_stairs_trips_pct": 0.0, "no_stairs_extra_m": 0.0,
                "forced_at_grade_per_no_stairs_trip": 0.0, "severe_per_100k_no_stairs_trips": 0.0}
    return {
        "no_stairs_trips_pct": 100.0 * k / max(len(trips), 1),
        "no_stairs_extra_m": float(free["step_free_extra_m"].mean()),
        "forced_at_grade_per_no_stairs_trip": float(free["forced_at_grade"].mean()),
        "severe_per_100k_no_stairs_trips": 1e5 * float(free["p_severe"].sum()) / k,
    }
