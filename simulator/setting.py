"""A prepared setting: the network, routes and traffic a scenario runs on.

Preparing is the expensive part (network, routes) and is shared by every seed
of a scenario; a :class:`Setting` is immutable and safe to send to workers.
Times inside a setting are seconds after the start of the simulated period.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np

from simulator.crossing import Crossing, Signal
from simulator.network.walk import WalkNetwork
from simulator.params import Parameters, clock_seconds
from simulator.routing import RouteChoice, route_choices
from simulator.traffic import KMH, PiecewiseLinear, piecewise_linear

Z85 = 1.036
"""The standard normal's 85th percentile (1.0364) as rounded in traffic engineering: p85 = mean (1 + z cv)."""

Window = tuple[float, float]


@dataclass(frozen=True)
class Calming:
    """Speed measures on the road of one crossing."""

    limit: float | None = None  # km/h, a lower posted limit
    window: Window | None = None  # when the lower limit applies (None: always)
    humps: bool = False


@dataclass(frozen=True)
class GuardPost:
    """A 护学岗 post: who stands at which crossing, and when (model seconds).

    ``clear_parking``: while on duty the guards keep the kerbs clear of parked
    cars, so the sight distance is as if nothing were parked.
    """

    crossing: str
    start: float
    end: float
    staff: str
    count: int = 1
    clear_parking: bool = False


@dataclass(frozen=True)
class CrossingTraffic:
    """Everything the kerb model needs about one crossing's traffic."""

    crossing: Crossing
    rate: tuple[LaneRate, LaneRate]
    mean_speed: tuple[MeanSpeed, MeanSpeed]
    yield_base: float  # M_y before the speed adjustment
    p85_kmh: float  # 85th-percentile speed at the peak, km/h

    def yield_rate(self, t: float, *, params: Parameters) -> float:
        """Driver yield rate at time t (depends on the mean speed then)."""
        v_kmh = float(self.mean_speed[0](np.array([t]))[0]) / KMH
        return yield_rate(self.yield_base, v_kmh, params=params)


def yield_rate(base: float, mean_kmh: float, *, params: Parameters) -> float:
    """M_y from a base rate and the mean speed (logit shift per km/h)."""
    base = min(max(base, 1e-4), 0.9999)
    logit = math.log(base / (1 - base)) - params["yield.speed_slope"] * (mean_kmh - params["yield.ref_speed"])
    return min(1.0 / (1.0 + math.exp(-logit)), params["yield.max"])


@dataclass(frozen=True)
class Setting:
    """A scenario made concrete: what one run needs besides its seed."""

    name: str
    network: WalkNetwork
    params: Parameters
    routes: Mapping[str, RouteChoice]
    traffic: Mapping[str, CrossingTraffic]
    guards: tuple[GuardPost, ...]
    n_children: int
    period_start: float  # clock seconds
    period_end: float  # model seconds
    bell: float  # model seconds
    bell_by_age: Mapping[int, float] = field(default_factory=dict)
    education_share: float = 0.0
    enforcement: str = "normal"
    description: str = ""
    home_weights: Mapping[str, float] = field(default_factory=dict)
    follow_share: float = 0.0              # share of children who follow recommended routes
    tables: dict[tuple, Any] = field(default_factory=dict, init=False, compare=False, repr=False)
    """Would-be-impact tables built by runs of this setting (:func:`simulator.kerbharm._kept`).

    They depend only on the parameters and their key, so every run (seed) of
    the setting shares them; a setting made with ``replace`` starts without them.
    """

    def bell_for(self, age: int) -> float:
        """The bell (model seconds) for a child of this age."""
        return self.bell_by_age.get(int(age), self.bell)


def prepare_setting(
    network: WalkNetwork,
    *,
    params: Parameters,
    name: str = "baseline",
    n_children: int = 1500,
    period: tuple[str, str] | None = None,
    bell: str | None = None,
    bell_by_age: Mapping[int, str] | None = None,
    enforcement: str = "normal",
    calming: Mapping[str, Calming] | None = None,
    volume: Mapping[str, tuple[float, float]] | None = None,
    guards: tuple[GuardPost, ...] = (),
    dropoff_ban: float = 0.0,
    education_share: float = 0.0,
    description: str = "",
    home_weights: Mapping[str, float] | None = None,
) -> Setting:
    """Build the traffic of every crossing and the routes of every home."""
    start_txt, end_txt = period or (params["school.period_start"], params["school.period_end"])
    t0 = clock_seconds(start_txt)
    end = clock_seconds(end_txt) - t0
    bell_s = clock_seconds(bell or params["school.bell"]) - t0
    calming = calming or {}
    volume = volume or {}
    profile = piecewise_linear(
        np.array([clock_seconds(x) - t0 for x in params["traffic.profile_times"]]),
        np.asarray(params["traffic.profile_factors"], float),
    )
    school = network.graph.nodes[network.school_node]
    cars = dropoff_cars(network, n_children, home_weights or {}, params=params)
    traffic = {
        cid: _crossing_traffic(
            c,
            params=params,
            profile=profile,
            enforcement=enforcement,
            calming=calming.get(cid, Calming()),
            volume=volume.get(cid),
            dropoff=_dropoff(c, school, cars, dropoff_ban, params=params, t0=t0),
        )
        for cid, c in network.crossings.items()
    }
    return Setting(
        name=name,
        network=network,
        params=params,
        routes=route_choices(network, params=params),
        traffic=traffic,
        guards=guards,
        n_children=n_children,
        period_start=t0,
        period_end=end,
        bell=bell_s,
        bell_by_age={a: clock_seconds(b) - t0 for a, b in (bell_by_age or {}).items()},
        education_share=education_share,
        enforcement=enforcement,
        description=description,
        home_weights=dict(home_weights or {}),
    )


@dataclass(frozen=True)
class Dropoff:
    """Parents' cars per direction (veh/s): a normal pulse of drop-offs before the bell."""

    cars: float
    peak: float
    sd: float

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return (
            self.cars * np.exp(-0.5 * ((t - self.peak) / self.sd) ** 2) / (self.sd * math.sqrt(2 * math.pi))
        )

    def at(self, t: float) -> float:
        """The rate at one time."""
        density = math.exp(-0.5 * ((t - self.peak) / self.sd) ** 2) / (self.sd * math.sqrt(2 * math.pi))
        return self.cars * density


@dataclass(frozen=True)
class LaneRate:
    """Vehicles per second per lane of one direction at time t."""

    volume: float  # peak-hour veh/h of the direction
    lanes: int
    profile: PiecewiseLinear
    dropoff: Dropoff | None = None

    def __call__(self, t: np.ndarray) -> np.ndarray:
        r = self.volume / 3600.0 * self.profile(t)
        if self.dropoff is not None:
            r = r + self.dropoff(t)
        return r / self.lanes

    def at(self, t: float) -> float:
        """The rate at one time."""
        r = self.volume / 3600.0 * self.profile.at(t)
        if self.dropoff is not None:
            r += self.dropoff.at(t)
        return r / self.lanes


@dataclass(frozen=True)
class MeanSpeed:
    """Mean speed (m/s): ``calmed`` inside the window (always if no window), else ``base``."""

    base: float
    calmed: float
    window: Window | None = None

    def __call__(self, t: np.ndarray) -> np.ndarray:
        if self.window is None:
            return np.full(np.shape(t), self.calmed)
        return np.where((t >= self.window[0]) & (t < self.window[1]), self.calmed, self.base)

    def at(self, t: float) -> float:
        """The mean speed at one time."""
        if self.window is None or self.window[0] <= t < self.window[1]:
            return self.calmed
        return self.base


def dropoff_cars(network: WalkNetwork, n_children: int, home_weights: Mapping[str, float], *,
                 params: Parameters) -> dict[tuple[Hashable, Hashable], float]:
    """Parents' cars on each street (undirected ``(u, v)``) on their way between homes and the gate.

    ``dropoff.car_share`` of the children are driven; each home's cars drive
    the shortest street path from the street node nearest the home to the
    one nearest the gate, and back. A street carries the cars of the homes
    whose path uses it — in each direction once (in, then out) — so a
    crossing near the gate sees only the cars that pass it, not all of them.
    """
    street = network.street
    nodes = [n for n in street.nodes if street.degree(n) > 0]  # a node on no street routes no car
    if not nodes or not network.home_nodes:
        return {}
    xy = np.array([(street.nodes[n]["x"], street.nodes[n]["y"]) for n in nodes], float)

    def nearest(point: Mapping[str, Any]) -> Hashable:
        return nodes[int(np.argmin(np.hypot(xy[:, 0] - point["x"], xy[:, 1] - point["y"])))]

    gate = nearest(network.graph.nodes[network.school_node])
    lengths: dict[tuple[Hashable, Hashable], float] = {}
    for u, v, data in street.edges(data=True):
        key = (u, v) if str(u) <= str(v) else (v, u)
        lengths[key] = min(lengths.get(key, math.inf), float(data.get("length", 1.0)))
    plain = nx.Graph()
    plain.add_weighted_edges_from((u, v, w) for (u, v), w in lengths.items())
    paths = nx.single_source_dijkstra_path(plain, gate, weight="weight") if gate in plain else {gate: [gate]}
    weights = {home: float(home_weights.get(home, 1.0)) for home in network.home_nodes}
    total = sum(weights.values()) or 1.0
    driven = params["dropoff.car_share"] * n_children
    cars: dict[tuple[Hashable, Hashable], float] = {}
    for home, node in network.home_nodes.items():
        path = paths.get(nearest(network.graph.nodes[node]), [])
        for u, v in pairwise(path):
            key = (u, v) if str(u) <= str(v) else (v, u)
            cars[key] = cars.get(key, 0.0) + driven * weights[home] / total
    return cars


def _dropoff(
    c: Crossing, school: Mapping, cars: Mapping[tuple[Hashable, Hashable], float], ban: float, *,
    params: Parameters, t0: float,
) -> Dropoff | None:
    dist = math.hypot(c.x - school["x"], c.y - school["y"])
    if c.grade_separated or dist < ban or dist > ban + params["dropoff.radius"]:
        return None
    u, v = c.edge[0], c.edge[1]
    passing = cars.get((u, v) if str(u) <= str(v) else (v, u), 0.0)
    if not passing:
        return None
    # each car passes once in each direction: in to the gate, then out again
    return Dropoff(cars=passing, peak=clock_seconds(params["dropoff.peak"]) - t0,
                   sd=params["dropoff.spread"] * 60)


def _crossing_traffic(
    c: Crossing,
    *,
    params: Parameters,
    profile: PiecewiseLinear,
    enforcement: str,
    calming: Calming,
    volume: tuple[float, float] | None,
    dropoff: Dropoff | None,
) -> CrossingTraffic:
    cls = c.highway if c.highway in params["traffic.mean_speed_factor"] else "residential"
    factor = params["traffic.mean_speed_factor"][cls]
    cv = params["traffic.speed_cv"]
    cap = params["traffic.hump_p85"] / (1 + Z85 * cv) if calming.humps else math.inf
    if c.facility == "raised":  # vehicles cross a raised table at its own, observed speed
        cap = min(cap, params["traffic.raised_crossing_mean"])
    base_mean = min(factor * c.speed_limit, cap)
    calmed_mean = base_mean
    if calming.limit is not None and calming.limit < c.speed_limit:
        lowered = base_mean + params["traffic.limit_compliance"] * (factor * calming.limit - base_mean)
        calmed_mean = min(lowered, cap)
    speed = MeanSpeed(base_mean * KMH, calmed_mean * KMH, calming.window)
    vol = volume if volume is not None else c.volume
    rates = tuple(LaneRate(vol[d], max(c.lanes[d], 1), profile, dropoff) for d in (0, 1))
    facility = "unmarked" if c.informal else c.facility
    ratios = params["yield.facility_ratio"]
    base = params["yield.china_zebra"][enforcement] * ratios.get(facility, ratios["unmarked"])
    peak_mean = calmed_mean if calming.window is None else base_mean
    return CrossingTraffic(
        crossing=c,
        rate=(rates[0], rates[1]),
        mean_speed=(speed, speed),
        yield_base=base,
        p85_kmh=peak_mean * (1 + Z85 * cv),
    )


def signal_of(c: Crossing) -> Signal | None:
    """The signal of a crossing, if it is signalised."""
    return c.signal if c.facility == "signal" else None
