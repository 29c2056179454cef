"""Positions at time t from a party's route, speed and crossing outcomes (``simulator.trajectory``)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest

from simulator.kerb import Outcome
from simulator.model import SchoolRouteModel
from simulator.risk import NO_ENCOUNTER
from simulator.routing import Leg, Route
from simulator.trajectory import (
    ARRIVED,
    CROSS,
    HOME,
    WAIT,
    WALK,
    party_keyframes,
    positions,
    trajectories,
)


def _toy() -> tuple[nx.Graph, SimpleNamespace]:
    """A home, a kerb, a 5 m crossing and the school: 10 m walk, wait, cross, 10 m walk (1 m/s)."""
    g = nx.Graph()
    for name, (x, y) in {"home": (0, 0), "kerb": (10, 0), "far": (10, 5), "school": (20, 5)}.items():
        g.add_node(name, x=float(x), y=float(y))
    g.add_edge("home", "kerb", length=10.0, kind="sidewalk", crossing=None)
    g.add_edge("kerb", "far", length=5.0, kind="crossing", crossing="x1-2")
    g.add_edge("far", "school", length=10.0, kind="sidewalk", crossing=None)
    route = Route((Leg(10.0, "x1-2", 0), Leg(10.0, None, 0)), 25.0, ("home", "kerb", "far", "school"), 25.0)
    outcome = Outcome(10.0, 14.0, 19.0, "gap", 5.0, 3.0, NO_ENCOUNTER)
    party = SimpleNamespace(route=route, speed=1.0, depart=0.0, outcomes=[("x1-2", outcome, False)],
                            arrived=29.0)
    return g, party


@pytest.mark.parametrize(
    ("t", "xy", "state"),
    [(-1.0, (0, 0), HOME), (5.0, (5, 0), WALK), (12.0, (10, 0), WAIT), (16.5, (10, 2.5), CROSS),
     (24.0, (15, 5), WALK), (30.0, (20, 5), ARRIVED)],
)
def test_toy_party_walks_waits_crosses_and_arrives(t: float, xy: tuple[float, float], state: int) -> None:
    g, party = _toy()
    frames = party_keyframes(party, g)  # type: ignore[arg-type]
    times = np.array([f[0] for f in frames])
    assert np.all(np.diff(times) >= 0)
    # interpolate the way positions() does, through a one-party Trajectories
    from simulator.trajectory import Trajectories, party_positions

    traj = Trajectories(times=times, xy=np.array([[f[1], f[2]] for f in frames]),
                        state=np.array([f[3] for f in frames], np.int8), start=np.array([0, len(frames)]),
                        party_of=np.array([0]), offset=np.zeros((1, 2)), known_until=math.inf,
                        period_start=0.0)
    got, states = party_positions(traj, t)
    assert got[0] == pytest.approx(xy)
    assert states[0] == state


def test_undecided_crossing_holds_the_party_at_the_kerb() -> None:
    g, party = _toy()
    party.outcomes, party.arrived = [], None
    frames = party_keyframes(party, g)  # type: ignore[arg-type]
    assert frames[-1] == (10.0, 10.0, 0.0, WAIT)


def test_curved_edges_are_followed() -> None:
    from shapely import LineString

    g, party = _toy()
    g.edges["home", "kerb"]["geometry"] = LineString([(10, 0), (5, -5), (0, 0)])  # drawn from the far end
    frames = party_keyframes(party, g)  # type: ignore[arg-type]
    assert frames[1][1:3] == (5.0, -5.0)
    assert frames[1][0] == pytest.approx(5.0)  # half the edge's length at 1 m/s


@pytest.fixture(scope="module")
def finished(small_setting):
    model = SchoolRouteModel(small_setting("guard-posts", children=300), rng=4)
    model.run()
    return model


def test_model_positions_follow_routes_and_outcomes(finished: SchoolRouteModel) -> None:
    g = finished.setting.network.graph
    traj = trajectories(finished)
    assert traj.children == len(finished.children)
    for a, b in zip(traj.start[:-1], traj.start[1:], strict=True):
        # walking times along the route's edges meet the model's kerb arrivals (no jumps back)
        assert np.all(np.diff(traj.times[a:b]) > -1e-6)
    for number, party in enumerate(finished.parties[:60]):
        # a party set down at the gate by a parent is drawn at the gate (simulator.gate)
        home = g.nodes[party.route.nodes[0] if party.route.nodes else finished.setting.network.school_node]
        xy, state = positions(traj, party.depart - 1.0)
        child = party.members[0].index
        assert state[child] == HOME
        assert xy[child] == pytest.approx(np.array([home["x"], home["y"]]) + traj.offset[child])
        for cid, outcome, _ in party.outcomes:
            if outcome.start > outcome.arrive + 1e-6:
                _, state = positions(traj, (outcome.arrive + outcome.start) / 2)
                assert state[child] == WAIT, (number, cid)
            if outcome.end > outcome.start + 1e-6:
                _, state = positions(traj, (outcome.start + outcome.end) / 2)
                assert state[child] == CROSS, (number, cid)
        school = g.nodes[finished.setting.network.school_node]
        xy, state = positions(traj, party.arrived + 1.0)
        assert state[child] == ARRIVED
        assert xy[child] == pytest.approx(np.array([school["x"], school["y"]]) + traj.offset[child])


def test_walking_speed_is_the_partys(finished: SchoolRouteModel) -> None:
    traj = trajectories(finished)
    party = next(p for p in finished.parties if p.route.legs[0].distance > 100 and p.size == 1)
    child = party.members[0].index
    a, _ = positions(traj, party.depart + 10.0)
    b, _ = positions(traj, party.depart + 20.0)
    # straight line distance can only be shorter than the walked distance (corners)
    assert 0 < np.hypot(*(b[child] - a[child])) <= party.speed * 10.0 + 1e-6


def test_a_partly_run_model_is_exact_up_to_its_clock(small_setting) -> None:
    setting = small_setting("guard-posts", children=300)
    full = SchoolRouteModel(setting, rng=4)
    full.run()
    part = SchoolRouteModel(setting, rng=4)
    first = min(p.depart for p in part.parties)
    part.run_until(first + 900.0)
    early = trajectories(part)
    assert early.known_until == pytest.approx(first + 900.0)
    late = trajectories(full)
    for t in np.linspace(first, first + 900.0, 13):
        a, sa = positions(early, t)
        b, sb = positions(late, t)
        np.testing.assert_allclose(a, b, atol=1e-6)
        np.testing.assert_array_equal(sa, sb)


def test_positions_accepts_a_model_and_siblings_stay_together(finished: SchoolRouteModel) -> None:
    t = float(np.median([p.depart for p in finished.parties])) + 120.0
    xy, _ = positions(finished, t)
    party = next(p for p in finished.parties if p.size >= 2)
    pts = xy[[c.index for c in party.members]]
    assert np.max(np.hypot(*(pts - pts.mean(axis=0)).T)) < 3.0
