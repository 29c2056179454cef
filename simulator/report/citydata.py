"""The city overview's figures, read from a batch's tables in one documented way each.

- Ranking: the ``schools`` table's order; each school's baseline risk (expected
  severe injuries per 100,000 trips) with its 95% CI, and the other baseline
  figures, are the ``summary`` table's rows as they are (``mean``, ``ci_low``,
  ``ci_high``).
- Best measure of a school: among the alternatives whose paired reduction of
  that risk is significant (``summary``'s ``significant``, ``diff`` < 0), the
  largest (ties by name), with ``diff_ci_low``/``diff_ci_high`` as they are:
  the same choice as the batch's ``schools`` table.
- Riskiest crossings: the baseline's per-crossing expected severe injuries
  (``crossings``: sum of ``p_severe_sum`` over seeds / seeds), in the school's
  unit (per 100,000 trips: × 100,000 / children), and their share of the sum.
- Totals a year: seed by seed, the sum over schools of ``severe_per_year`` in
  the baseline (``runs``), and of each counted school's paired change to its
  best measure; then the mean over seeds with its 95% CI
  (:func:`simulator.intervals.mean_ci`; non-negative for today's total). Every
  network of a batch runs the same seeds, so the seeds every school finished
  pair up; schools share nothing else. Taking each school's best of several
  alternatives makes the measures' total somewhat optimistic (the report says
  so). A batch without ``severe_per_year`` gets it from the risk per 100,000
  trips × children × trips a year (:func:`simulator.metric.trips_a_year`),
  said so in the report.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.errors import ResultsError
from simulator.intervals import includes_zero, mean_ci
from simulator.metric import per_100k_trips, trips_a_year
from simulator.report.batchfolder import CROSSING_COLUMNS, BatchFolder

RISK = "severe_per_100k_trips"
PER_YEAR = "severe_per_year"
TOP_CROSSINGS = 5


@dataclass(frozen=True)
class Interval:
    """A figure with its 95% CI."""

    value: float
    low: float
    high: float

    @property
    def includes_zero(self) -> bool:
        """True when the interval includes 0 (or is unknown)."""
        return includes_zero(self.low, self.high)


@dataclass(frozen=True)
class BestMeasure:
    """A school's alternative with the largest paired reduction of its risk."""

    scenario: str
    change: Interval  # severe per 100,000 trips (negative = safer), significant (its CI excludes 0)
    pct: Interval  # the change in % of the baseline, with the ratio's (Fieller) CI; NaN where none
    per_year: Interval | None  # severe injuries a year at the school


@dataclass(frozen=True)
class SchoolFigures:
    """One network of the batch, ranked."""

    network: str
    school: str
    map: str
    rank: int
    seeds: int
    children: float
    risk: Interval
    deaths: Interval
    per_year: Interval | None
    best: BestMeasure | None
    crossings: pd.DataFrame  # crossing, road, facility, highway, uses, severe (per 100k trips), share


@dataclass(frozen=True)
class City:
    """Everything the overview shows: ranked schools, networks without results, totals."""

    batch: BatchFolder
    schools: tuple[SchoolFigures, ...]
    missing: Mapping[str, str]  # network -> why it has no baseline results
    today: Interval | None  # the schools' severe injuries a year today
    total: Interval | None  # what the significant best measures change a year
    counted: tuple[str, ...]  # networks whose best measure is counted in ``total``
    derived_per_year: bool  # per-year figures computed here (the batch has none)


def city_from_batch(batch: BatchFolder) -> City:
    """Read the batch's tables and compute the overview's figures (see the module docstring)."""
    summary = batch.table("summary")
    ranking = batch.table("schools")
    derived = PER_YEAR not in set(summary["metric"])
    runs = batch.table("runs", columns=["network", "scenario", "seed", "children", RISK, *([] if derived else
                                                                                        [PER_YEAR])])
    base = batch.baseline
    crossings = _baseline_crossings(batch, base)
    scale = _per_year_scale(batch) if derived else math.nan
    schools = []
    for row in ranking.itertuples():
        network = str(row.network)
        mine = summary[summary["network"] == network]
        kids = runs[(runs["network"] == network) & (runs["scenario"] == base)]["children"]
        children = float(kids.mean()) if len(kids) else math.nan
        risk = _interval(mine, base, RISK)
        per_year = _interval(mine, base, PER_YEAR) if not derived else _scaled(risk, children * scale)
        schools.append(
            SchoolFigures(
                network=network,
                school=str(row.school),
                map=_text(row.map),
                rank=int(row.rank),
                seeds=int(row.baseline_seeds),
                children=children,
                risk=risk,
                deaths=_interval(mine, base, "deaths_per_100k_trips"),
                per_year=per_year,
                best=_best(mine, base, derived=derived, per_year_scale=children * scale),
                crossings=_top_crossings(
                    crossings[crossings["network"] == network],
                    seeds=int(row.baseline_seeds),
                    children=children,
                ),
            )
        )
    ranked = {s.network for s in schools}
    missing = {n: _why(batch, n) for n in batch.networks if n not in ranked}
    counted = [s for s in schools if s.best is not None and s.best.per_year is not None]
    per_year = _per_year_runs(runs, derived=derived, scale=scale)
    today = _summed(per_year, [(s.network, base, None) for s in schools], bounds=(0.0, math.inf))
    total = _summed(per_year, [(s.network, s.best.scenario, base) for s in counted if s.best]) if counted \
        else None
    return City(
        batch=batch,
        schools=tuple(schools),
        missing=missing,
        today=today,
        total=total,
        counted=tuple(s.network for s in counted),
        derived_per_year=derived,
    )


def _per_year_scale(batch: BatchFolder) -> float:
    """Per 100,000 trips x children -> a year, from the batch's parameters (an old batch has no figure)."""
    try:
        return trips_a_year({p["key"]: p["value"] for p in batch.manifest.get("parameters", [])}) / 1e5
    except KeyError as missing:
        msg = (f"{batch.folder}: batch.json has no parameter {missing} to make its figures a year of "
               "(made by an older saferoute): run the batch again")
        raise ResultsError(msg) from None


def _per_year_runs(runs: pd.DataFrame, *, derived: bool, scale: float) -> pd.Series:
    """Expected severe injuries a year of every finished run, by (network, scenario, seed)."""
    values = runs[RISK] * runs["children"] * scale if derived else runs[PER_YEAR]
    index = pd.MultiIndex.from_frame(runs[["network", "scenario", "seed"]])
    return pd.Series(values.to_numpy(float), index=index)


def _summed(per_year: pd.Series, parts: Sequence[tuple[str, str, str | None]], *,
            bounds: tuple[float, float] = (-math.inf, math.inf)) -> Interval | None:
    """Seed by seed, the sum over (network, scenario, minus scenario or None) of a year's figure;
    its mean over the seeds every part finished, with the 95% CI."""
    if not parts:
        return None
    by_seed: list[pd.Series] = []
    for network, scenario, minus in parts:
        value = per_year.xs((network, scenario), level=("network", "scenario"))
        if minus is not None:
            value = value - per_year.xs((network, minus), level=("network", "scenario"))
        by_seed.append(value.dropna())
    total = pd.concat(by_seed, axis=1, join="inner").sum(axis=1)
    if not len(total):
        return None
    return Interval(*mean_ci(total.to_numpy(), bounds=bounds))


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _interval(summary: pd.DataFrame, scenario: str, metric: str) -> Interval:
    row = summary[(summary["scenario"] == scenario) & (summary["metric"] == metric)]
    if not len(row):
        return Interval(math.nan, math.nan, math.nan)
    r = row.iloc[0]
    return Interval(float(r["mean"]), float(r["ci_low"]), float(r["ci_high"]))


def _scaled(x: Interval, factor: float) -> Interval:
    return Interval(x.value * factor, x.low * factor, x.high * factor)


def _change(summary: pd.DataFrame, scenario: str, metric: str) -> Interval | None:
    row = summary[(summary["scenario"] == scenario) & (summary["metric"] == metric)]
    if not len(row):
        return None
    r = row.iloc[0]
    return Interval(float(r["diff"]), float(r["diff_ci_low"]), float(r["diff_ci_high"]))


def _best(
    summary: pd.DataFrame, baseline: str, *, derived: bool, per_year_scale: float
) -> BestMeasure | None:
    rows = summary[(summary["metric"] == RISK) & (summary["scenario"] != baseline)]
    helps = (pd.to_numeric(rows["diff"], errors="coerce") < 0) & rows["significant"].map(_true).astype(bool)
    rows = rows[helps]
    if not len(rows):
        return None
    best = rows.sort_values(["diff", "scenario"], kind="stable").iloc[0]
    name = str(best["scenario"])
    change = Interval(float(best["diff"]), float(best["diff_ci_low"]), float(best["diff_ci_high"]))
    per_year = _scaled(change, per_year_scale) if derived else _change(summary, name, PER_YEAR)
    pct = Interval(*(float(best.get(c, math.nan)) for c in ("pct", "pct_low", "pct_high")))
    return BestMeasure(name, change, pct, per_year)


def _true(value: object) -> bool:
    """True only for a true boolean (NaN on the baseline's rows is not)."""
    return isinstance(value, bool | np.bool_) and bool(value)


def _baseline_crossings(batch: BatchFolder, baseline: str) -> pd.DataFrame:
    path = batch.folder / "crossings.parquet"
    if not path.is_file():
        batch.table("crossings")  # the one-line error
    return pd.read_parquet(path, columns=list(CROSSING_COLUMNS), filters=[("scenario", "==", baseline)])


def _top_crossings(rows: pd.DataFrame, *, seeds: int, children: float) -> pd.DataFrame:
    """The network's riskiest crossings in its baseline (means per morning over the seeds)."""
    columns = ["crossing", "road", "facility", "highway", "guarded", "uses", "severe", "share"]
    if not len(rows) or seeds <= 0 or not children > 0:
        return pd.DataFrame(columns=columns)
    g = rows.groupby("crossing", sort=True)
    out = g[["road", "facility", "highway"]].first()
    out["guarded"] = g["guarded"].any()
    out["uses"] = g["uses"].sum() / seeds
    out["severe"] = g["p_severe_sum"].sum() / seeds * per_100k_trips(children)
    total = float(out["severe"].sum())
    out["share"] = out["severe"] / total if total > 0 else math.nan
    out["road"] = out["road"].fillna("").astype(str)
    out = out.sort_values(["severe", "uses"], ascending=False, kind="stable").head(TOP_CROSSINGS)
    return out.reset_index()[columns]


@dataclass(frozen=True)
class Place:
    """Where a network is: its school gate and the crossings of its streets, in its map's CRS."""

    network: str
    map_file: str  # the map file as the sweep named it
    crs: str
    gate: tuple[float, float]
    crossings: np.ndarray  # (n, 2) x, y


def places_of(batch: BatchFolder, schools: Sequence[SchoolFigures]) -> list[Place]:
    """The places of the schools on a real map (a synthetic district has no real geography)."""
    sites = {str(n["name"]): n for n in batch.sweep["networks"]}
    done = batch.index[(batch.index["scenario"] == batch.baseline) & (batch.index["status"] == "done")]
    out = []
    for school in schools:
        map_file = sites.get(school.network, {}).get("map")
        runs = done[done["network"] == school.network]
        if not map_file or not len(runs):
            continue
        folder = batch.folder / str(runs["path"].iloc[0])
        try:
            meta = json.loads((folder / "run.json").read_text(encoding="utf-8")).get("meta", {})
            table = pd.read_parquet(folder / "network.parquet", columns=["x", "y"])
        except (OSError, ValueError):
            continue  # a place is decoration: the ranking still shows the school
        gate = meta.get("gate") or [math.nan, math.nan]
        if meta.get("crs") and all(math.isfinite(float(v)) for v in gate):
            out.append(
                Place(
                    school.network,
                    str(map_file),
                    str(meta["crs"]),
                    (float(gate[0]), float(gate[1])),
                    table[["x", "y"]].to_numpy(dtype=float),
                )
            )
    return out


def _why(batch: BatchFolder, network: str) -> str:
    """The first error recorded for a network's runs, or that none finished."""
    mine = batch.index[batch.index["network"] == network]
    failed = mine[mine["status"] == "failed"]
    if len(failed):
        return str(failed["error"].iloc[0])
    return "no run finished" if len(mine) else "no runs"
