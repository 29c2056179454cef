"""What a site guessed is said in one line: command line, manifest and report."""

from __future__ import annotations

import json

import pytest

from simulator.cli import main
from simulator.guesses import Guesses, guesses_of


def test_the_district_counts_its_inferred_crossings_and_homes(small_setting, run_cached):
    setting = small_setting("baseline")
    at_grade = [c for c in setting.network.crossings.values() if not c.grade_separated]
    events = run_cached(setting, 1).events
    g = guesses_of(setting.network, events=events)
    assert g.crossings == len(at_grade) and 0 < g.inferred == sum(c.inferred for c in at_grade)
    assert g.homes["compounds"] == len(setting.network.home_nodes) and g.street_edges > 0
    inferred = {c.id for c in at_grade if c.inferred}
    share = 100 * events.loc[events["crossing"].isin(inferred), "children"].sum() / events["children"].sum()
    assert g.inferred_use_pct == pytest.approx(share) and 0 < share < 100
    assert guesses_of(setting.network).inferred_use_pct is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_line_says_every_count_and_survives_the_manifest(lang):
    g = Guesses(crossings=664, inferred=663, street_edges=900, defaulted={"lanes": 850, "maxspeed": 870},
                homes={"buildings": 0, "areas": 3, "streets": 120, "compounds": 0}, inferred_use_pct=99.8)
    line = g.line(lang)
    for number in ("664", "663", "900", "850", "870", "120", "100"):
        assert number in line, number
    assert line.count("\n") == 0
    again = Guesses.from_dict(json.loads(json.dumps(g.as_dict())))
    assert again == g and again.line(lang) == line


def test_run_prints_it_and_the_manifest_and_report_keep_it(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", "scenarios/baseline.yaml", "--seeds", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Guessed, not mapped:" in printed and "at-grade crossings inferred" in printed
    guessed = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["site"]["guessed"]
    assert guessed["inferred_crossings"] > 0 and guessed["crossings_used_inferred_pct"] > 0
    assert main(["report", str(out), "--lang", "zh", "--out", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'data-value="guessed">推断而非地图所载' in html


@pytest.mark.parametrize("command", [["crossings"], ["map", "--out", "MAP"]])
def test_the_map_commands_say_it_too(command, tmp_path, capsys):
    argv = [str(tmp_path / "m.png") if a == "MAP" else a for a in command]
    assert main(argv) == 0
    assert "Guessed, not mapped:" in capsys.readouterr().err


def test_homes_are_counted_by_where_the_site_took_them_from():
    """Shenzhen's school: residential buildings, and one area without buildings spread along streets."""
    from osm_kit import OSM_DIR

    from simulator.network.schools import site_from_file
    from simulator.network.walk import walk_network_from_site

    site = site_from_file(OSM_DIR / "shenzhen_longgang_universiade.osm.bz2",
                          school="华南师范大学附属龙岗大运学校")
    homes = guesses_of(walk_network_from_site(site)).homes
    assert homes["buildings"] > 0 and homes["areas"] > 0 and homes["streets"] == homes["compounds"] == 0
