"""``saferoute schools``, ``crossings`` and ``map`` on the real extracts (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from simulator.cli import main
from simulator.figures import cjk_font
from simulator.figures.map import TEXT

OSM = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm"
BEIJING = OSM / "beijing_haidian_xueyuan_cau.osm.bz2"
GUIXI = OSM / "jiangxi_guixi_city.osm.bz2"


def test_schools_are_listed_by_chinese_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schools", str(BEIJING)]) == 0
    out = capsys.readouterr().out
    assert "中国农业大学附属实验小学" in out and "北京石油学院附属小学(月华分校)" in out


def test_crossings_of_the_sparse_map_say_they_are_inferred(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    csv = tmp_path / "x.csv"
    assert main(["crossings", str(GUIXI), "--school", "贵溪市第九中学", "--csv", str(csv)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "(2 mapped," in first and "inferred)" in first
    assert csv.read_text(encoding="utf-8").startswith("id,facility")


def test_map_picture_is_written_with_a_font_that_draws_its_chinese(tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    assert main(["map", str(BEIJING), "--school", "中国农业大学附属实验小学", "--out", str(out)]) == 0
    assert out.stat().st_size > 20_000
    path = font_manager.findfont(font_manager.FontProperties(family=cjk_font()), fallback_to_default=False)
    font = FT2Font(path)
    labels = "".join(TEXT["zh"].values()) + "步行网络与过街设施无标线斑马线信号灯天桥"
    missing = {ch for ch in labels if ord(ch) > 0x2E80 and font.get_char_index(ord(ch)) == 0}
    assert not missing


def test_a_school_that_is_not_on_the_map_lists_close_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crossings", str(BEIJING), "--school", "中国农业大学附属小学"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "中国农业大学附属实验小学" in err


def test_crossings_list_the_real_footbridges_with_their_access(capsys: pytest.CaptureFixture[str]) -> None:
    """Beijing maps four footbridges; only 学清路's approach (steps) is mapped, the rest are guessed."""
    assert main(["crossings", str(BEIJING), "--school", "中国农业大学附属实验小学"]) == 0
    captured = capsys.readouterr()
    bridges = {line.split()[0]: line.split()[2] for line in captured.out.splitlines()
               if len(line.split()) > 2 and line.split()[1] == "footbridge"}
    assert sorted(bridges.values()) == ["stairs", "stairs?", "stairs?", "stairs?"]
    assert "Access (stairs, ramp, lift) not mapped for 3 of 4 footbridges" in captured.err
