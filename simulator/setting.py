"""A prepared setting: the network, routes and traffic a scenario runs on.

Preparing is the expensive part (network, routes) and is shared by every seed
of a scenario; a :class:`Setting` is immutable and safe to send to workers.
Times inside a setting are seconds after the start of the simulated period.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np

from simulator.arrival import DRIVEN, Buses, ModeChoice, alighting_stop, expected_share
from simulator.crossing import GRADE_SEPARATED, Crossing, Signal
from simulator.gate import GateRules, GateSite, gate_site
from simulator.network.gatestreet import GATE_LANE, kerb_sides
from simulator.network.walk import WalkNetwork
from simulator.params import Parameters, clock_seconds
from simulator.routing import RouteChoice, route_choices
from simulator.traffic import KMH, PiecewiseLinear, TwoWheelerFlow, piecewise_linear

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
    """Everything the kerb model needs about one crossing's traffic.

    ``twowheelers``: the e-bikes and bicycles in the kerb lane of each
    direction (None where there are none: a grade-separated crossing, or no
    two-wheeler volume); ``twowheelers_peak_vph`` their peak-hour volume over
    both directions, without the parents' e-bikes.
    """

    crossing: Crossing
    rate: tuple[LaneRate, LaneRate]
    mean_speed: tuple[MeanSpeed, MeanSpeed]
    yield_base: float  # M_y before the speed adjustment
    p85_kmh: float  # 85th-percentile speed at the peak, km/h
    twowheelers: TwoWheelerFlow | None = None
    twowheelers_peak_vph: float = 0.0

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
    modes: ModeChoice | None = None        # arrival-mode shares; None: every child walks from home
    mode_p: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # P(mode) by home
    stop_routes: Mapping[str, RouteChoice] = field(default_factory=dict)  # routes from the bus stops
    home_stop: Mapping[str, str] = field(default_factory=dict)  # the stop a home's bus pupils alight at
    buses: Buses | None = None
    gate: GateSite | None = None
    gate_rules: GateRules = field(default_factory=GateRules)

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
    modes: ModeChoice | None = None,
    gate_rules: GateRules | None = None,
) -> Setting:
    """Build the traffic of every crossing and the routes of every home and bus stop.

    ``modes``: the arrival-mode shares (the parameter table's if None). The
    network's gate street (:mod:`simulator.gate`) takes the parents' vehicles.
    """
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
    routes = route_choices(network, params=params)
    modes = modes or ModeChoice.from_params(params)
    stop_routes, home_stop = _buses(network, routes, params=params)
    mode_p = {h: modes.probabilities(c.shortest_length, bus=bool(stop_routes)) for h, c in routes.items()}
    weights = {h: float((home_weights or {}).get(h, 1.0)) for h in routes}
    driven = {m: {h: n_children * share for h, share in expected_share(mode_p, weights, m).items()}
              for m in DRIVEN}
    youngest, oldest = params["school.ages"]
    ages = range(youngest, oldest + 1)
    bells = [bell_s] if not bell_by_age else [
        clock_seconds(bell_by_age.get(a, bell or params["school.bell"])) - t0 for a in ages]
    paths = dropoff_paths(network)
    site = gate_site(network, paths)
    if site is not None and dropoff_ban > 0:  # nobody stops at the gate: nothing stands at its kerbs
        network = replace(network, crossings={**network.crossings, **{
            cid: replace(c, parking_m=0.0) for cid, c in site.street.crossings().items()}})
        site = replace(site, crossing=network.crossings[site.crossing.id], lane=network.crossings[GATE_LANE])
    parents = _parents(network, site, paths, driven, ban=dropoff_ban, pulse=_pulse(bells, params=params),
                       params=params)
    traffic = {
        cid: _crossing_traffic(
            c,
            params=params,
            profile=profile,
            enforcement=enforcement,
            calming=calming.get(cid, Calming()),
            volume=volume.get(cid),
            dropoff=parents["car"][cid],
            ebike_dropoff=parents["ebike"][cid],
        )
        for cid, c in network.crossings.items()
    }
    return Setting(
        name=name,
        network=network,
        params=params,
        routes=routes,
        modes=modes,
        mode_p=mode_p,
        stop_routes=stop_routes,
        home_stop=home_stop,
        buses=Buses.for_stops(sorted(stop_routes), params=params),
        gate=site,
        gate_rules=replace(gate_rules or GateRules(), ban_m=dropoff_ban,
                           guided=tuple((g.start, g.end) for g in guards
                                        if site is not None and g.crossing == site.crossing.id)),
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


def _buses(network: WalkNetwork, routes: Mapping[str, RouteChoice], *,
           params: Parameters) -> tuple[dict[str, RouteChoice], dict[str, str]]:
    """The routes from the bus stops that reach the school, and the stop each home's bus pupils alight at."""
    stops = dict(network.stop_nodes)
    if not stops:
        return {}, {}
    stop_routes = route_choices(network, params=params, origins=stops)
    node_xy = network.graph.nodes
    stop_xy = {s: (node_xy[n]["x"], node_xy[n]["y"]) for s, n in stops.items() if s in stop_routes}
    sides = kerb_sides(network.street, stop_xy, params=params)
    pair = float(params["transit.pair_reach"])
    home_stop = {}
    for home in routes:
        at = node_xy[network.home_nodes[home]]
        stop = alighting_stop((at["x"], at["y"]), stop_xy, sides, pair=pair)
        if stop is not None:
            home_stop[home] = stop
    return stop_routes, home_stop


@dataclass(frozen=True)
class Dropoff:
    """Parents' vehicles per direction (veh/s): pulses of drop-offs before the bells.

    Each pulse is a normal around one bell minus the children's mean planned
    arrival before it (``child.arrival_slack_mean``), with their spread
    (``child.arrival_slack_sd``), weighted equally (one per age when the ages
    have their own bells: a staggered start spreads the vehicles).
    """

    cars: float
    peaks: tuple[float, ...]
    sd: float

    def __call__(self, t: np.ndarray) -> np.ndarray:
        density = np.zeros(np.shape(t))
        for peak in self.peaks:
            density += np.exp(-0.5 * ((t - peak) / self.sd) ** 2)
        return self.cars * density / (len(self.peaks) * self.sd * math.sqrt(2 * math.pi))

    def at(self, t: float) -> float:
        """The rate at one time."""
        density = sum(math.exp(-0.5 * ((t - peak) / self.sd) ** 2) for peak in self.peaks)
        return self.cars * density / (len(self.peaks) * self.sd * math.sqrt(2 * math.pi))


def _pulse(bells: list[float], *, params: Parameters) -> tuple[tuple[float, ...], float]:
    """The drop-off pulses' peaks and spread (model s) for these bells (one per age)."""
    slack = 60.0 * params["child.arrival_slack_mean"]
    return tuple(b - slack for b in bells), 60.0 * params["child.arrival_slack_sd"]


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


Paths = Mapping[str, list[Hashable]]
"""Per home: the street nodes its parents drive through from home to the gate."""


def dropoff_paths(network: WalkNetwork) -> dict[str, list[Hashable]]:
    """Each home's shortest street path from the street node nearest it to the one nearest the gate."""
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
    homes = network.home_nodes.items()
    return {home: paths.get(nearest(network.graph.nodes[node]), []) for home, node in homes}


def street_flows(paths: Paths, vehicles: Mapping[str, float]) -> dict[tuple[Hashable, Hashable], float]:
    """Parents' vehicles on each street (undirected ``(u, v)``) on their way between homes and the gate.

    ``vehicles``: per home, the expected number of its children driven (or
    carried on an e-bike) to the gate; each drives its home's path in, and
    back. A street carries the vehicles of the homes whose path uses it, in
    each direction once, so a crossing near the gate sees only the vehicles
    that pass it, not all of them.
    """
    flows: dict[tuple[Hashable, Hashable], float] = {}
    for home, path in paths.items():
        for u, v in pairwise(path):
            key = (u, v) if str(u) <= str(v) else (v, u)
            flows[key] = flows.get(key, 0.0) + float(vehicles.get(home, 0.0))
    return flows


PerDirection = tuple["Dropoff | None", "Dropoff | None"]
"""Parents' vehicles added to each direction of a crossing."""
NONE: PerDirection = (None, None)


def _parents(network: WalkNetwork, site: GateSite | None, paths: Paths,
             driven: Mapping[str, Mapping[str, float]], *, ban: float, pulse: tuple[tuple[float, ...], float],
             params: Parameters) -> dict[str, dict[str, PerDirection]]:
    """For cars and e-bikes: the parents' vehicles each crossing meets, by direction.

    On the streets near the gate a vehicle passes each street of its path in
    and out again (once in each direction); at the gate street's crossings
    each passes once, in the direction it arrives in (:meth:`GateSite.vehicles`),
    the kerb lane only those on the school's side. Under a drop-off ban none
    comes to the gate.
    """
    school = network.graph.nodes[network.school_node]
    out: dict[str, dict[str, PerDirection]] = {}
    for mode in DRIVEN:
        flows = street_flows(paths, driven[mode])
        meets = {cid: _dropoff(c, school, flows, ban, params=params, pulse=pulse)
                 for cid, c in network.crossings.items()}
        if site is not None:
            meets |= dict.fromkeys(site.street.crossings(), NONE)  # the gate's own: none under a ban
            if ban <= 0:
                both = site.vehicles(driven[mode])
                near = 0 if site.street.one_way else site.street.school_side
                meets |= {site.crossing.id: _pair(both, pulse), GATE_LANE: _pair((both[near], 0.0), pulse)}
        out[mode] = meets
    return out


def _pair(vehicles: tuple[float, float], pulse: tuple[tuple[float, ...], float]) -> PerDirection:
    a, b = (Dropoff(n, *pulse) if n > 0 else None for n in vehicles)
    return a, b


def _dropoff(
    c: Crossing, school: Mapping, flows: Mapping[tuple[Hashable, Hashable], float], ban: float, *,
    params: Parameters, pulse: tuple[tuple[float, ...], float],
) -> PerDirection:
    dist = math.hypot(c.x - school["x"], c.y - school["y"])
    if c.grade_separated or dist < ban or dist > ban + params["dropoff.radius"]:
        return NONE
    u, v = c.edge[0], c.edge[1]
    passing = flows.get((u, v) if str(u) <= str(v) else (v, u), 0.0)
    if not passing:
        return NONE
    # each vehicle passes once in each direction: in to the gate, then out again
    both = Dropoff(passing, *pulse)
    return both, both


def _crossing_traffic(
    c: Crossing,
    *,
    params: Parameters,
    profile: PiecewiseLinear,
    enforcement: str,
    calming: Calming,
    volume: tuple[float, float] | None,
    dropoff: PerDirection = NONE,
    ebike_dropoff: PerDirection = NONE,
) -> CrossingTraffic:
    """The traffic of one crossing: cars by lane, two-wheelers in the kerb lanes, yielding, speeds.

    ``dropoff`` (parents' cars) is added to the cars of each direction,
    ``ebike_dropoff`` (parents' e-bikes on their way to and from the gate) to
    the e-bikes of each direction (:func:`_twowheelers`).
    """
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
    rates = tuple(LaneRate(vol[d], max(c.lanes[d], 1), profile, dropoff[d]) for d in (0, 1))
    facility = "unmarked" if c.informal else c.facility
    ratios = params["yield.facility_ratio"]
    base = params["yield.china_zebra"][enforcement] * ratios.get(facility, ratios["unmarked"])
    peak_mean = calmed_mean if calming.window is None else base_mean
    riders, riders_vph = _twowheelers(c, cls, params=params, profile=profile, calming=calming,
                                      ebike_dropoff=ebike_dropoff)
    return CrossingTraffic(
        crossing=c,
        rate=(rates[0], rates[1]),
        mean_speed=(speed, speed),
        yield_base=base,
        p85_kmh=peak_mean * (1 + Z85 * cv),
        twowheelers=riders,
        twowheelers_peak_vph=riders_vph,
    )


def _twowheelers(c: Crossing, cls: str, *, params: Parameters, profile: PiecewiseLinear, calming: Calming,
                 ebike_dropoff: PerDirection) -> tuple[TwoWheelerFlow | None, float]:
    """E-bikes and bicycles in the kerb lane of each direction, and their peak volume (both directions).

    The background volume per direction is ``twowheeler.peak_volume`` of the
    road class (residential where the class has none) times the cars' time
    profile, split by ``twowheeler.ebike_share``; the parents' e-bikes are
    added to the e-bikes of both directions, as the parents' cars are to the
    cars. A direction without lanes (a one-way road's) carries none. Their
    speeds are their own: a lower posted limit (``calming.limit``) does not
    slow them (their speed is set by the vehicle and the rider, and GB
    17761-2018 caps e-bikes at 25 km/h by design), while speed humps and a
    raised crossing cap them as they cap cars (only a rider faster than the
    cap is slowed; at the default speeds none is). None on a grade-separated
    crossing or where there are none.
    """
    volumes = params["twowheeler.peak_volume"]
    per_direction = float(volumes.get(cls, volumes["residential"]))
    if c.grade_separated or c.facility in GRADE_SEPARATED or (per_direction <= 0 and ebike_dropoff == NONE):
        return None, 0.0
    share = params["twowheeler.ebike_share"]
    cv = params["twowheeler.speed_cv"]
    cap = params["traffic.hump_p85"] / (1 + Z85 * cv) if calming.humps else math.inf
    if c.facility == "raised":
        cap = min(cap, params["traffic.raised_crossing_mean"])
    means = params["twowheeler.speed_mean"]
    speeds = (min(means["ebike"], cap) * KMH, min(means["bicycle"], cap) * KMH)
    volume = tuple(per_direction if c.lanes[d] > 0 else 0.0 for d in (0, 1))
    ebikes = tuple(LaneRate(volume[d] * share, 1, profile, ebike_dropoff[d] if c.lanes[d] > 0 else None)
                   for d in (0, 1))
    bicycles = tuple(LaneRate(volume[d] * (1.0 - share), 1, profile) for d in (0, 1))
    flow = TwoWheelerFlow(rate=((ebikes[0], ebikes[1]), (bicycles[0], bicycles[1])), mean_speed=speeds,
                          speed_cv=cv, yield_ratio=params["twowheeler.yield_ratio"])
    return flow, sum(volume)


def signal_of(c: Crossing) -> Signal | None:
    """The signal of a crossing, if it is signalised."""
    return c.signal if c.facility == "signal" else None
