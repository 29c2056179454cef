"""What the map component draws, as plain JSON-ready data (no Solara here).

Coordinates sent to the browser are *local*: metres east of the map's west
edge (``lx``) and metres south of its north edge (``ly``, so that SVG's
downward y needs no flip). :class:`Frame` converts both ways. Trajectories
are sent once per run as flat integer arrays (deciseconds, decimetres) that
the browser interpolates itself, so the animation costs the server nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.metric import per_100k_trips
from simulator.network.site import street_edge_id
from simulator.network.walk import WalkNetwork
from simulator.setting import Setting
from simulator.trajectory import Trajectories

MARGIN_M = 40.0


@dataclass(frozen=True)
class Frame:
    """The local coordinate frame of a map: origin at its north-west corner."""

    minx: float
    maxy: float
    width: float
    height: float

    @classmethod
    def of(cls, network: WalkNetwork) -> Frame:
        """The frame around every node of the walk and street graphs (with a margin)."""
        xs = [d["x"] for _, d in network.graph.nodes(data=True)]
        ys = [d["y"] for _, d in network.graph.nodes(data=True)]
        minx, maxx = min(xs) - MARGIN_M, max(xs) + MARGIN_M
        miny, maxy = min(ys) - MARGIN_M, max(ys) + MARGIN_M
        return cls(minx, maxy, maxx - minx, maxy - miny)

    def local(self, x: float, y: float) -> tuple[float, float]:
        """Projected metres to local (east, south) metres, rounded to 0.1 m."""
        return round(x - self.minx, 1), round(self.maxy - y, 1)

    def real(self, lx: float, ly: float) -> tuple[float, float]:
        """Local metres back to projected metres (rounded to 0.1 m)."""
        return round(lx + self.minx, 1), round(self.maxy - ly, 1)


def _path(points: list[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points)


def base_map(network: WalkNetwork, *, school_name: str, frame: Frame) -> dict[str, Any]:
    """Streets, sidewalks, homes, bus stops and the school gate (what no crossing measure changes)."""
    street = network.street
    streets = []
    seen: set[str] = set()
    for u, v, k, d in street.edges(keys=True, data=True):
        ident = street_edge_id(u, v, k)
        if ident in seen:
            continue
        seen.add(ident)
        geometry = d.get("geometry")
        pts = (
            [(float(p[0]), float(p[1])) for p in geometry.coords]
            if geometry is not None
            else [(street.nodes[u]["x"], street.nodes[u]["y"]), (street.nodes[v]["x"], street.nodes[v]["y"])]
        )
        carriageway = bool(d.get("carriageway", True))
        width = float(d.get("width") or 0.0) or 3.5 * float(d.get("lanes") or 1)
        streets.append({
            "id": ident,
            "d": _path([frame.local(x, y) for x, y in pts]),
            "w": round(width if carriageway else 2.0, 1),
            "car": carriageway,
            "name": str(d.get("name") or ""),
            "hw": str(d.get("highway") or ""),
            "limit": float(d.get("maxspeed") or 0.0),
        })
    g = network.graph
    xy = {n: frame.local(d["x"], d["y"]) for n, d in g.nodes(data=True)}
    walks = " ".join(
        _path([xy[a], xy[b]]) for a, b, kind in g.edges(data="kind") if kind in ("sidewalk", "footway")
    )
    homes = [list(xy[node]) for node in network.home_nodes.values()]
    stops = [{"id": sid, "x": xy[node][0], "y": xy[node][1], "name": network.stop_names.get(sid, "")}
             for sid, node in network.stop_nodes.items()]
    sx, sy = xy[network.school_node]
    return {
        "size": [round(frame.width, 1), round(frame.height, 1)],
        "streets": streets,
        "walks": walks,
        "homes": homes,
        "stops": stops,
        "school": {"x": sx, "y": sy, "name": school_name},
    }


def crossing_list(setting: Setting, *, frame: Frame) -> list[dict[str, Any]]:
    """Every crossing of a prepared scenario with its facts (facility after the interventions)."""
    out = []
    for cid, tr in setting.traffic.items():
        c = tr.crossing
        lx, ly = frame.local(c.x, c.y)
        out.append({
            "id": cid,
            "x": lx,
            "y": ly,
            "f": "informal" if c.informal else c.facility,
            "road": c.name or "-",
            "hw": c.highway,
            "edge": street_edge_id(*c.edge),
            "lanes": f"{c.lanes[0]}+{c.lanes[1]}",
            "len": round(c.length, 1),
            "limit": round(c.speed_limit),
            "p85": round(tr.p85_kmh),
            "vph": round(sum(r.volume for r in tr.rate)),  # after any volume override
        })
    return sorted(out, key=lambda c: c["id"])


def crossing_stats(crossings: pd.DataFrame, *, children: float) -> dict[str, list[float]]:
    """Per crossing of a run: uses, mean wait (s), conflicts, expected severe injuries and deaths.

    The injuries are per 100,000 trips, the unit of the school's figures (the
    crossings add up to them), to 3 significant digits (a crossing's share can be
    far below the school's figure; the map colours crossings by it); ``children``
    is the run's number of children (one trip each).
    """
    if not len(crossings):
        return {}
    scale = per_100k_trips(children)
    return {
        str(r.crossing): [int(r.uses), round(float(r.wait_mean_s), 1), int(r.conflicts),
                          float(f"{r.p_severe_sum * scale:.3g}"), float(f"{r.p_death_sum * scale:.3g}")]
        for r in crossings.itertuples()
    }


def trajectory_props(traj: Trajectories, *, frame: Frame, run: int, final: bool) -> dict[str, Any]:
    """Keyframes for the browser: deciseconds after the first departure, decimetres in the local frame."""
    t0 = traj.span()[0] if len(traj.times) else 0.0
    t = np.rint((traj.times - t0) * 10).astype(np.int64)
    x = np.rint((traj.xy[:, 0] - frame.minx) * 10).astype(np.int64)
    y = np.rint((frame.maxy - traj.xy[:, 1]) * 10).astype(np.int64)
    ox = np.rint(traj.offset[:, 0] * 10).astype(np.int64)
    oy = np.rint(-traj.offset[:, 1] * 10).astype(np.int64)
    return {
        "run": run,
        "final": final,
        "t0": round(t0, 1),
        "known": round(traj.known_until - t0, 1),
        "end": round(traj.span()[1] - t0, 1),
        "clock0": traj.period_start + t0,
        "start": traj.start.tolist(),
        "t": t.tolist(),
        "x": x.tolist(),
        "y": y.tolist(),
        "s": "".join(map(str, traj.state.tolist())),
        "party": traj.party_of.tolist(),
        "ox": ox.tolist(),
        "oy": oy.tolist(),
    }


def overlays(data: Mapping[str, Any], *, frame: Frame, staff_names: Mapping[str, str],
             zone_text: str) -> dict[str, Any]:
    """Guard posts, zones and street measures of an (edited) scenario mapping, for drawing."""
    guards: dict[str, str] = {}
    zones = []
    streets: dict[str, str] = {}
    for change in data.get("interventions") or ():
        kind = change.get("type")
        if kind == "guard":
            label = f"{change['hours']} · {staff_names.get(change['staff'], change['staff'])}"
            label += f" ×{change.get('count', 1)}" if change.get("count", 1) != 1 else ""
            for cid in change["crossings"]:
                guards[cid] = label
        elif kind in ("speed_limit", "humps"):
            text = f"{change['limit_kmh']:g} km/h" if kind == "speed_limit" else "▲"
            if change.get("zone"):
                zone = change["zone"]
                cx, cy = zone.get("center") or (math.nan, math.nan)
                lx, ly = frame.local(cx, cy) if zone.get("center") else (None, None)
                zones.append({"x": lx, "y": ly, "r": zone["radius_m"], "label": f"{zone_text} {text}"})
            for edge in change.get("edges") or ():
                streets[edge] = f"{streets[edge]} {text}" if edge in streets else text
    return {"guards": guards, "zones": zones, "measures": streets}
