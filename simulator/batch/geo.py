"""GeoJSON for QGIS/ArcGIS: every crossing with its metrics over seeds, and the schools.

``crossings.geojson``: one Point per network x scenario x crossing of the
network as run (facilities after the scenario's interventions; crossings
nobody used have ``uses_per_run`` 0). Metrics are over the finished seeds:
per-run means of uses, conflicts and expected severe injuries and deaths;
the use-weighted mean wait with its HCM level of service; the mean of the
95th-percentile waits. Filter on ``scenario`` (and ``network``) to map one.

``schools.geojson``: one Point per network at the school gate, with the
``schools`` table's ranking and best measure.

Coordinates are WGS 84 longitude, latitude (RFC 7946), converted with pyproj
from the street graph's ``crs`` (the UTM zone of an OSM map; EPSG:32649 for
the synthetic district, a fictitious place laid out around Nanning). The
projected ``x``, ``y`` and ``crs`` are kept as properties.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

import pandas as pd
from pyproj import Transformer

from simulator.batch.plan import Job
from simulator.batch.store import Store
from simulator.metrics import los
from simulator.params import default_parameters

WGS84 = "EPSG:4326"
DIGITS = 7  # about 1 cm


def write_crossings_geojson(store: Store, jobs: Sequence[Job], path: Path) -> int:
    """Write ``crossings.geojson`` (streamed, one network x scenario at a time); features written."""
    transformers: dict[str, Transformer] = {}
    count = 0

    def features() -> Iterator[dict[str, Any]]:
        nonlocal count
        for _, group in groupby(jobs, key=lambda j: (j.network.label, j.variant.name)):
            for feature in _group_features(store, list(group), transformers):
                count += 1
                yield feature

    _write_collection(path, features())
    return count


def write_schools_geojson(store: Store, jobs: Sequence[Job], schools: pd.DataFrame, path: Path) -> int:
    """Write ``schools.geojson``: the gate of each network's school with its ranking row."""
    transformers: dict[str, Transformer] = {}
    first: dict[str, Job] = {}
    for job in jobs:
        first.setdefault(job.network.label, job)
    rows = {str(r["network"]): r for r in schools.to_dict(orient="records")}
    out = []
    for label, job in first.items():
        meta = store.read_run(job.run_id).get("meta", {})
        x, y = meta.get("gate", [math.nan, math.nan])
        props = {"network": label, "school": meta.get("school", ""), "school_id": meta.get("school_id", ""),
                 "x": x, "y": y, "crs": meta.get("crs", "")}
        props.update({k: v for k, v in rows.get(label, {}).items() if k not in props})
        out.append(_point(_to_wgs84(meta.get("crs", ""), x, y, transformers), props))
    _write_collection(path, iter(out))
    return len(out)


def _group_features(store: Store, jobs: list[Job], transformers: dict[str, Transformer]
                    ) -> Iterator[dict[str, Any]]:
    first = jobs[0]
    network_file = store.run_dir(first.run_id) / "network.parquet"
    if not network_file.is_file():
        return
    meta = store.read_run(first.run_id).get("meta", {})
    crs = meta.get("crs", "")
    crossings = pd.read_parquet(network_file)
    used = [store.run_dir(j.run_id) / "crossings.parquet" for j in jobs]
    metrics = _aggregate((pd.read_parquet(p) for p in used if p.is_file()), runs=len(jobs))
    params = default_parameters()
    for c in crossings.to_dict(orient="records"):
        m = metrics.get(c["crossing"], {})
        wait = m.get("wait_mean_s")
        props = {"network": first.network.label, "school": meta.get("school", ""), "map": first.network.map,
                 "scenario": first.variant.name, **c, "crs": crs, "seeds": len(jobs),
                 "uses_per_run": m.get("uses_per_run", 0.0),
                 "conflicts_per_run": m.get("conflicts_per_run", 0.0),
                 "severe_per_run": m.get("severe_per_run", 0.0),
                 "deaths_per_run": m.get("deaths_per_run", 0.0),
                 "severe_per_100k_uses": m.get("severe_per_100k_uses"),
                 "wait_mean_s": wait, "wait_p95_s": m.get("wait_p95_s"),
                 "los": los(wait, signalised=c["facility"] == "signal", params=params) if wait is not None
                 else None,
                 "unsafe_pct": m.get("unsafe_pct"), "red_light_pct": m.get("red_light_pct"),
                 "guarded": bool(m.get("guarded", False))}
        yield _point(_to_wgs84(crs, c["x"], c["y"], transformers), props)


_SUMS = ("uses", "conflicts", "p_severe_sum", "p_death_sum")
_WEIGHTED = ("wait_mean_s", "unsafe_pct", "red_light_pct")


def _aggregate(frames: Iterable[pd.DataFrame], *, runs: int) -> dict[str, dict[str, Any]]:
    """Per crossing: metrics over ``runs`` runs (a run in which nobody used it counts as zero).

    Sums are kept run by run, so memory does not grow with the number of seeds.
    """
    sums: dict[str, dict[str, float]] = {}
    for frame in frames:
        for row in frame.to_dict(orient="records"):
            acc = sums.setdefault(str(row["crossing"]), dict.fromkeys(
                (*_SUMS, *_WEIGHTED, "p95_sum", "p95_n", "guarded"), 0.0))
            for key in _SUMS:
                acc[key] += float(row[key])
            for key in _WEIGHTED:
                acc[key] += float(row[key]) * float(row["uses"])
            acc["p95_sum"] += float(row["wait_p95_s"])
            acc["p95_n"] += 1
            acc["guarded"] = max(acc["guarded"], float(bool(row["guarded"])))
    out = {}
    for cid, acc in sums.items():
        uses = acc["uses"]
        out[cid] = {
            "uses_per_run": uses / runs, "conflicts_per_run": acc["conflicts"] / runs,
            "severe_per_run": acc["p_severe_sum"] / runs, "deaths_per_run": acc["p_death_sum"] / runs,
            "severe_per_100k_uses": 1e5 * acc["p_severe_sum"] / uses if uses else None,
            "wait_p95_s": acc["p95_sum"] / acc["p95_n"], "guarded": bool(acc["guarded"]),
            **{key: acc[key] / uses if uses else None for key in _WEIGHTED},
        }
    return out


def _to_wgs84(crs: str, x: float, y: float, transformers: dict[str, Transformer]) -> tuple[float, float]:
    if not crs:
        return math.nan, math.nan
    if crs not in transformers:
        transformers[crs] = Transformer.from_crs(crs, WGS84, always_xy=True)
    lon, lat = transformers[crs].transform(x, y)
    return round(float(lon), DIGITS), round(float(lat), DIGITS)


def _point(lonlat: tuple[float, float], props: dict[str, Any]) -> dict[str, Any]:
    lon, lat = lonlat
    geometry = None if not (math.isfinite(lon) and math.isfinite(lat)) else {
        "type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry, "properties": {k: _json(v) for k, v in props.items()}}


def _json(value: Any) -> Any:
    """A JSON-safe property: numpy scalars as Python values, NaN and infinities as null."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write_collection(path: Path, features: Iterator[dict[str, Any]]) -> None:
    """A FeatureCollection written feature by feature to a temporary file, then renamed."""
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.write('{"type": "FeatureCollection", "features": [')
            for number, feature in enumerate(features):
                text = json.dumps(feature, ensure_ascii=False, allow_nan=False)
                f.write(("," if number else "") + "\n" + text)
            f.write("\n]}\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
