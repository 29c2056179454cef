"""Maps planners can read: metres from the school, street names, a base, scale bar, north arrow, ranks.

Built for the synthetic district and for a real extract (read in place from
``../shared/data/osm``, never copied).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import yaml
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

from simulator.cli import main
from simulator.cli.maps import parse_crossing_id
from simulator.experiment import built_site, settings_from_files
from simulator.figures import draw_site_map
from simulator.figures.basemap import collect_base
from simulator.figures.compass import NORTH_GID, SCALE_GID, find_true_north, round_length
from simulator.figures.labels import CIRCLED, cluster_labels, format_rank, join_ranks
from simulator.figures.routes import draw_route_map
from simulator.figures.streets import STREET_GID
from simulator.hazard import crossing_hazards
from simulator.scenario import scenario_from_mapping

REPO = Path(__file__).resolve().parents[1]
BEIJING = Path(__file__).resolve().parents[2] / "shared/data/osm/beijing_haidian_xueyuan_cau.osm.bz2"
SCHOOL = "中国农业大学附属实验小学"
HAN = re.compile(r"[\u4e00-\u9fff]")


@cache
def district():
    scenario = scenario_from_mapping({"name": "d", "site": {"synthetic": {}}}, origin="test")
    return built_site(scenario, origin="test")


@cache
def beijing(catchment: float = 1000.0):
    site = {"map": str(BEIJING), "school": SCHOOL, "catchment_m": catchment}
    return built_site(scenario_from_mapping({"name": "b", "site": site}, origin="test"), origin="test")


def drawn(fig: Figure) -> Figure:
    fig.canvas.draw()
    return fig


def texts(fig: Figure, gid: str | None = None) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and (gid is None or t.get_gid() == gid)]


def check_map(fig: Figure, *, span_m: float = 5000.0) -> list[str]:
    """Assert the map's furniture; return its street names."""
    ax = fig.axes[0]
    for axis in (ax.xaxis, ax.yaxis):
        values = [float(t.get_text().replace("−", "-")) for t in axis.get_ticklabels() if t.get_text()]
        assert len(values) >= 3 and 0.0 in values, values  # metres from the school: 0 is the gate
        assert max(abs(v) for v in values) < span_m, values  # not 4428000
    bars = [a for a in ax.artists if a.get_gid() == SCALE_GID]
    assert len(bars) == 1
    assert re.fullmatch(r"\d+ (米|m)|\d+ km", bars[0].txt_label.get_text())
    north = texts(fig, NORTH_GID)
    assert [t.get_text() for t in north if t.get_text()] == ["N"]
    assert not [t.get_text() for t in texts(fig) if "·" in t.get_text()]
    names = [t.get_text() for t in texts(fig, STREET_GID)]
    assert len(names) == len(set(names))  # one label per road
    return names


def test_district_map_reads_as_a_map() -> None:
    site, network = district()
    fig = drawn(draw_site_map(network, home_weights={h.id: h.weight for h in site.homes}))
    names = check_map(fig)
    assert "学府路" in names and any(n.endswith("大道") for n in names)
    blocks = [c for c in fig.axes[0].collections if isinstance(c, PatchCollection)]
    assert blocks and sum(len(c.get_paths()) for c in blocks) > 20  # street blocks and road shapes


def test_real_map_has_chinese_street_names_buildings_and_water() -> None:
    site, network = beijing()
    shapes = collect_base(network.street)
    assert len(shapes.buildings) > 100 and (shapes.water or shapes.waterways)
    fig = drawn(draw_site_map(network, lang="en"))
    names = check_map(fig)
    assert {"学清路", "清华东路"} <= set(names)
    assert all(HAN.search(n) for n in names)  # the map's own (Chinese) names, also in English labels
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    homes = np.array([(network.graph.nodes[n]["x"], network.graph.nodes[n]["y"])
                      for n in network.home_nodes.values()])
    assert (homes[:, 0] >= x0).all() and (homes[:, 0] <= x1).all()
    assert (homes[:, 1] >= y0).all() and (homes[:, 1] <= y1).all()
    # true north is turned from grid north by the convergence (117°E is the zone's central meridian)
    convergence = (117.0 - 116.3473) * math.sin(math.radians(40.0022))
    assert find_true_north(network.street.graph["crs"], site.school.x, site.school.y) == pytest.approx(
        convergence, abs=0.02)


def test_view_is_framed_on_the_catchment_not_the_extract() -> None:
    site, network = beijing(catchment=400.0)
    ax = draw_site_map(network).axes[0]
    street = np.array([(d["x"], d["y"]) for _, d in network.street.nodes(data=True)])
    extract = street.max(axis=0) - street.min(axis=0)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x1 - x0 < 0.8 * extract[0] and y1 - y0 < 0.8 * extract[1]
    assert x0 < site.school.x < x1 and y0 < site.school.y < y1


def test_route_map_is_framed_with_ranked_risky_crossings() -> None:
    settings, _ = settings_from_files([REPO / "scenarios" / "baseline.yaml"])
    setting = settings[0]
    fig = drawn(draw_route_map(setting.network, setting.routes, weights=setting.home_weights,
                               hazard=crossing_hazards(setting)))
    check_map(fig)
    ranks = "".join(t.get_text() for t in texts(fig) if t.get_text() and set(t.get_text()) <= set(CIRCLED))
    assert sorted(ranks) == sorted(CIRCLED)  # the ten riskiest crossings, all in view, each ranked once


DRAW_ROUTES = """
import hashlib, io, sys
from simulator.experiment import settings_from_files
from simulator.figures.routes import draw_route_map
from simulator.hazard import crossing_hazards
from simulator.routing import recommended_routes
s = settings_from_files([sys.argv[1]])[0][0]
routes = recommended_routes(s.network, dict(s.routes), crossing_hazards(s), params=s.params, max_detour=0.25)
out = io.BytesIO()
fig = draw_route_map(s.network, routes, weights=s.home_weights, hazard=crossing_hazards(s))
fig.savefig(out, format="png")
print(hashlib.sha256(out.getvalue()).hexdigest())
"""


def test_route_map_is_the_same_picture_whatever_the_string_hashes() -> None:
    """Two processes whose string hashes differ (sets of node ids iterate apart) draw the same pixels."""
    pictures = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", DRAW_ROUTES, str(REPO / "scenarios" / "baseline.yaml")],
                              env=env, capture_output=True, text=True, check=True)
        pictures.add(done.stdout.strip())
    assert len(pictures) == 1


def test_cli_map_writes_a_framed_picture(tmp_path: Path) -> None:
    out = tmp_path / "m.svg"
    assert main(["map", str(BEIJING), "--school", SCHOOL, "--out", str(out)]) == 0
    svg = out.read_text(encoding="utf-8")
    assert 'id="north-arrow"' in svg and "<!-- N -->" in svg
    assert re.search(r"<!-- \d+ 米 -->", svg)  # the scale bar's text (drawn as glyphs, named in a comment)
    assert svg.count('id="street-name"') >= 5


def test_rank_labels_cannot_be_read_as_numbers() -> None:
    assert [format_rank(k) for k in (1, 4, 10, 11)] == ["①", "④", "⑩", "#11"]
    assert join_ranks(["④", "⑥"]) == "④⑥"
    assert join_ranks(["⑩", "#11"]) == "⑩ #11"


def test_ranks_of_crossings_close_together_share_a_label() -> None:
    groups = cluster_labels([(0, 0), (500, 0), (30, 20)], ["①", "②", "③"], within=45.0)
    assert groups == [((0, 0), ["①", "③"]), ((500, 0), ["②"])]


def test_scale_bar_length_is_round() -> None:
    assert [round_length(s) for s in (900.0, 1400.0, 3000.0, 12.0)] == [100.0, 200.0, 500.0, 2.0]


def test_crossing_ids_sort_by_their_numbers() -> None:
    ids = ["x10-3", "x9-12", "x-10-268640759", "x100-2", "x9-12k1", "x9-2"]
    expected = ["x-10-268640759", "x9-2", "x9-12", "x9-12k1", "x10-3", "x100-2"]
    assert sorted(ids, key=parse_crossing_id) == expected


def _ids(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines()[2:] if line.startswith("x")]


def test_crossings_are_listed_in_numerical_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crossings"]) == 0
    out = capsys.readouterr().out
    assert "sorted by id (numerically)" in out.splitlines()[0]
    ids = _ids(out)
    assert ids == sorted(ids, key=parse_crossing_id) and ids != sorted(ids)
    assert main(["crossings", "--sort", "lanes"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    lanes = [sum(int(n) for n in line.split()[3].split("+")) for line in rows]
    assert lanes == sorted(lanes, reverse=True)


def test_sorting_by_risk_needs_results(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crossings", "--sort", "risk"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--results" in err


def test_crossings_sort_by_risk_and_uses_from_results(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "r"
    scenario = tmp_path / "b.yaml"
    data = yaml.safe_load((REPO / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    scenario.write_text(yaml.safe_dump({**data, "children": 200}, allow_unicode=True), encoding="utf-8")
    assert main(["run", str(scenario), "--seeds", "1", "--workers", "1", "--out", str(results)]) == 0
    capsys.readouterr()
    for sort, column in (("risk", 9), ("uses", 8)):
        assert main(["crossings", "--results", str(results), "--sort", sort]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[1].split()[8:10] == ["uses", "severe"]
        values = [float(line.split()[column]) for line in lines[2:]]
        assert values == sorted(values, reverse=True) and values[0] > 0
