"""The web UI's logic without a browser: scenario edits, map data, uploads, background runs, figures."""

from __future__ import annotations

import argparse
import bz2
import re
from pathlib import Path

import pytest
import yaml

from simulator.errors import NetworkError, SaferouteError, ScenarioError
from simulator.metric import METRICS, calibration_note, part_decimals, per_year_note
from simulator.runs import run_once
from simulator.scenario import load_scenario, scenario_from_mapping, scenario_from_yaml
from simulator.ui import charts, jobs, mapdata, state, texts, uploads
from simulator.ui.inbox import Inbox
from simulator.ui.session import Prepared, catalogue, prepare

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
OSM_DIR = REPO.parent / "shared" / "data" / "osm"


@pytest.fixture(scope="module")
def base() -> Prepared:
    data = state.mapping_of(load_scenario(SCENARIOS / "baseline.yaml")) | {"children": 200}
    return prepare(data, origin="baseline.yaml", cache={})


# --- editing ------------------------------------------------------------------------------


def test_a_crossing_becomes_a_signal_and_back(base: Prepared) -> None:
    cid = "x24-23"
    original = base.original_facility(cid)
    data = state.with_facility(base.data, cid, "signal", original=original)
    assert data["interventions"] == [{"type": "facility", "crossings": [cid], "facility": "signal"}]
    assert base.data.get("interventions") in ([], ())  # the old mapping is not changed
    assert state.facility_of(data, cid, original=original) == "signal"
    back = state.with_facility(data, cid, original, original=original)
    assert back["interventions"] == []


def test_edits_round_trip_through_the_schema_and_the_yaml_file(base: Prepared, tmp_path: Path) -> None:
    data = state.with_facility(base.data, "x24-23", "signal", original="zebra")
    data = state.with_guard(data, "x24-25", hours="07:00-08:20", staff="teacher", count=2)
    data = state.with_street(data, "e23-24", limit_kmh=30, humps=True, hours="07:00-08:30")
    data = state.with_zone(data, center=(800100.0, 2523000.0), radius_m=150, limit_kmh=30, humps=False)
    data = state.with_dropoff(data, 120)
    data = state.with_field(data, "enforcement", "strong")
    data = state.with_field(data, "name", "方案 A")
    scenario = scenario_from_mapping(data, origin="edit")
    text = state.yaml_text(data)
    path = tmp_path / state.safe_filename(scenario.name)
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path) == scenario
    assert scenario_from_yaml(text.encode(), origin="x.yaml") == scenario
    kinds = [c.type for c in scenario.interventions]
    assert kinds == ["facility", "guard", "speed_limit", "humps", "speed_limit", "dropoff_ban"]
    assert state.guard_of(data, "x24-25") == {"hours": "07:00-08:20", "staff": "teacher", "count": 2}
    assert state.street_measures(data, "e23-24") == {"limit_kmh": 30, "hours": "07:00-08:30", "humps": True}
    assert state.dropoff_radius(data) == 120
    prepare(data, origin="edit", cache={})  # every id exists on the site


def test_guard_and_street_edits_replace_rather_than_pile_up(base: Prepared) -> None:
    data = state.with_guard(base.data, "x24-23", staff="police")
    data = state.with_guard(data, "x24-23", staff="volunteer", count=3)
    assert [c["staff"] for c in data["interventions"]] == ["volunteer"]
    assert state.without_guard(data, "x24-23")["interventions"] == []
    shared = {**base.data, "interventions": [{"type": "guard", "crossings": ["x24-23", "x24-25"],
                                              "hours": "07:10-08:30", "staff": "teacher", "count": 1}]}
    assert state.without_guard(shared, "x24-23")["interventions"][0]["crossings"] == ["x24-25"]
    data = state.with_street(base.data, "e23-24", limit_kmh=40, humps=False)
    data = state.with_street(data, "e23-24", limit_kmh=None, humps=True)
    assert data["interventions"] == [{"type": "humps", "edges": ["e23-24"]}]
    assert state.without_change(data, 0)["interventions"] == []


def test_the_saved_yaml_runs_unchanged_on_the_command_line(base: Prepared, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    data = state.with_facility(base.data, "x24-23", "signal", original="zebra")
    data = state.with_field(state.with_field(data, "children", 150), "name", "信号灯 test")
    path = tmp_path / state.safe_filename("信号灯 test")
    path.write_text(state.yaml_text(data), encoding="utf-8")
    from simulator.cli import main

    assert main(["run", str(path), "--seeds", "1", "--workers", "1", "--out", str(tmp_path / "out")]) == 0
    assert "信号灯 test" in capsys.readouterr().out
    assert (tmp_path / "out" / "manifest.json").is_file()


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b", "  ", "方案 A: 30 km/h?", "x" * 300])
def test_file_names_are_plain_and_stay_in_the_folder(name: str, tmp_path: Path) -> None:
    safe = state.safe_filename(name)
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")
    assert len(safe) <= 85
    written = uploads.write_text(tmp_path, safe, "x")
    assert written.parent == tmp_path.resolve()


def test_writing_outside_the_folder_is_refused(tmp_path: Path) -> None:
    for name in ("../x.yaml", "/tmp/x.yaml", "a/../../x.yaml", "."):
        with pytest.raises(uploads.UploadError):
            uploads.write_text(tmp_path, name, "x")
    assert not (tmp_path.parent / "x.yaml").exists()


# --- uploads -------------------------------------------------------------------------------


def _cli_error(args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str],
               monkeypatch: pytest.MonkeyPatch) -> str:
    """What ``saferoute ARGS`` run in ``cwd`` prints as its error (without the prefix)."""
    from simulator.cli import main

    capsys.readouterr()
    with monkeypatch.context() as m:
        m.chdir(cwd)
        assert main(args) == 2
    return capsys.readouterr().err.strip().removeprefix("saferoute: error: ")


@pytest.mark.parametrize("content", [
    b"name: x\ninterventions:\n  - type: speed_limit\n    limit_kmh: 200\n    zone: {radius_m: 100}\n",
    b"name: [unclosed\n",
    b"\xff\xfe not utf-8",
    b"",
    b"- a list\n",
    b"name: x\nname: y\n",
])
def test_an_uploaded_scenario_fails_like_the_cli(content: bytes, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.yaml").write_bytes(content)
    with pytest.raises(ScenarioError) as err:
        uploads.scenario_upload("bad.yaml", content, folder=tmp_path / "work")
    assert str(err.value) == _cli_error(["run", "bad.yaml", "--seeds", "1"], tmp_path, capsys, monkeypatch)


def test_uploads_are_size_limited_and_typed(tmp_path: Path) -> None:
    with pytest.raises(SaferouteError, match="too large"):
        uploads.scenario_upload("big.yaml", b"#" * (uploads.MAX_SCENARIO_BYTES + 1), folder=tmp_path)
    with pytest.raises(SaferouteError, match="not a scenario file"):
        uploads.scenario_upload("x.txt", b"name: x\n", folder=tmp_path)
    with pytest.raises(SaferouteError, match="not a map file"):
        uploads.check_map("x.exe", b"MZ")
    with pytest.raises(SaferouteError, match="DTD or entity"):
        uploads.check_map("x.osm", b'<?xml version="1.0"?><!DOCTYPE osm [<!ENTITY a "aaaa">]><osm>&a;</osm>')
    with pytest.raises(SaferouteError, match="not a bzip2 file"):
        uploads.check_map("x.osm.bz2", b"not bzip2 at all")


def test_a_bzip2_bomb_is_stopped_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_MAP_UNPACKED", 1 << 20)
    bomb = bz2.compress(b"<osm>" + b" " * (3 << 20))
    with pytest.raises(SaferouteError, match="unpacks to more than"):
        uploads.check_map("x.osm.bz2", bomb)


def test_a_malformed_map_fails_like_the_cli_and_is_not_kept(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "work"
    with pytest.raises(NetworkError) as err:
        uploads.load_map("bad.osm", b'<osm><node id="1" lat="x"', folder=folder)
    assert list((folder / "maps").iterdir()) == []
    (folder / "maps" / "bad.osm").write_bytes(b'<osm><node id="1" lat="x"')
    cli = _cli_error(["map", "bad.osm", "--out", str(tmp_path / "m.png")], folder / "maps", capsys,
                     monkeypatch)
    assert str(err.value) == cli


def _map_scenario(value: str) -> bytes:
    return f"name: x\nsite:\n  map: {value}\n".encode()


def test_an_uploaded_scenario_may_name_only_maps_of_the_work_folder(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Any other path gets the same line whether it exists or not, and nothing looks for it."""
    folder = tmp_path / "work"
    (folder / "maps").mkdir(parents=True)
    (folder / "maps" / "kept.osm").write_text("<osm/>", encoding="utf-8")
    secret = tmp_path / "secret.osm"
    secret.write_text("<osm/>", encoding="utf-8")
    (folder / "maps" / "link.osm").symlink_to(secret)
    read = uploads.scenario_from_yaml

    def validate(data: bytes, **kw: object) -> object:
        assert b"secret" not in data and b"missing" not in data, "validation would look for the file"
        return read(data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(uploads, "scenario_from_yaml", validate)
    lines = []
    for value in (str(secret), str(tmp_path / "missing.osm"), "../secret.osm", "../missing.osm",
                  "maps/../../secret.osm", "maps/link.osm", "link.osm"):
        with pytest.raises(uploads.UploadError) as err:
            uploads.scenario_upload("s.yaml", _map_scenario(value), folder=folder)
        lines.append(str(err.value).replace(value, "<path>"))
    assert len(set(lines)) == 1, lines
    assert lines[0] == f"s.yaml: site.map: <path> is not allowed here (allowed: a map loaded in this page, " \
                       f"in {folder / 'maps'})"
    aliases = [b"x: &m /etc/secret.osm\nsite: {map: *m}\n", b"x: &s {map: /etc/secret.osm}\nsite: *s\n",
               b"x: &s {map: /etc/secret.osm}\nsite: {<<: *s}\n",
               b"x: &k map\nsite: {*k : /etc/secret.osm}\n"]
    for data in aliases:
        with pytest.raises(uploads.UploadError, match="YAML alias or merge key"):
            uploads.scenario_upload("s.yaml", data, folder=folder)
    with pytest.raises(SaferouteError, match="nested more than"):  # read in a moment, not quadratic time
        uploads.scenario_upload("s.yaml", b"x: " + b"[" * 50_000 + b"]" * 50_000, folder=folder)
    kept = (folder / "maps" / "kept.osm").resolve()
    for value in ("kept.osm", "maps/kept.osm", str(kept)):
        assert uploads.scenario_upload("s.yaml", _map_scenario(value), folder=folder).site.map == kept
    monkeypatch.setattr(uploads, "scenario_from_yaml", read)  # a map the page offers is looked for
    offered = uploads.scenario_upload("s.yaml", _map_scenario(str(secret)), folder=folder, offered={secret})
    assert offered.site.map == secret


@pytest.mark.parametrize("name", ["a\x00b.osm", "x" * 296 + ".osm", "\ud800.osm", "a\nb.osm"])
def test_an_upload_name_no_file_system_takes_gets_one_line(name: str, tmp_path: Path) -> None:
    with pytest.raises(uploads.UploadError) as err:
        uploads.load_map(name, b"<osm/>", folder=tmp_path)
    message = str(err.value)
    assert "not allowed as a file name" in message and len(message) < 250
    assert message.isprintable(), "no NUL, newline or lone surrogate reaches the page"
    with pytest.raises(uploads.UploadError, match="not allowed as a file name"):
        uploads.scenario_upload(name.replace(".osm", ".yaml"), b"name: x\n", folder=tmp_path)
    assert not (tmp_path / "maps").exists()


@pytest.mark.skipif(not OSM_DIR.is_dir(), reason="the OSM extracts live in ../shared/data/osm")
def test_a_real_map_upload_lists_its_schools(tmp_path: Path) -> None:
    data = (OSM_DIR / "beijing_haidian_xueyuan_cau.osm.bz2").read_bytes()
    path, schools = uploads.load_map("haidian.osm.bz2", data, folder=tmp_path)
    assert path.parent == (tmp_path / "maps").resolve() and path.read_bytes() == data
    assert len(schools) >= 3 and any("小学" in s for s in schools)


# --- uploads on their way in -------------------------------------------------------------------


def _part(ident: str, size: int, offset: int, *, last: bool = False,
          name: str = "m.osm") -> dict[str, object]:
    return {"id": ident, "name": name, "size": size, "offset": offset, "last": last}


def test_a_file_sent_in_parts_comes_out_whole_and_is_not_kept() -> None:
    inbox = Inbox()
    assert inbox.part("map", _part("a", 8, 0), b"1234", limit=50) is None
    assert inbox.held() == 4
    assert inbox.part("map", _part("a", 8, 4, last=True), b"5678", limit=50) == b"12345678"
    assert inbox.part("map", _part("e", 0, 0, last=True), b"", limit=50) == b""
    assert inbox.held() == 0


def test_a_sessions_unfinished_uploads_are_bounded_in_number_bytes_and_time() -> None:
    now = [0.0]
    inbox = Inbox(max_open=2, max_bytes=100, idle_s=60, clock=lambda: now[0])
    inbox.part("map", _part("b", 40, 0), b"x" * 10, limit=50)
    inbox.part("scenario", _part("c", 40, 0), b"x" * 10, limit=50)
    with pytest.raises(uploads.UploadError, match=r"m\.osm: refused, 2 uploads are still coming in"):
        inbox.part("other", _part("d", 10, 0), b"", limit=50)
    # a new file in the same box replaces the one still coming in: its memory goes, late parts are ignored
    inbox.part("map", _part("e", 50, 0), b"y" * 10, limit=50)
    assert inbox.held() == 20
    assert inbox.part("map", _part("b", 40, 10), b"x" * 10, limit=50) is None
    assert inbox.held() == 20
    small = Inbox(max_bytes=100)
    small.part("map", _part("f", 60, 0), b"", limit=100)
    with pytest.raises(uploads.UploadError, match="uploads still coming in hold"):
        small.part("scenario", _part("g", 41, 0), b"", limit=100)
    with pytest.raises(uploads.UploadError, match="too large"):
        inbox.part("other", _part("g", 51, 0), b"", limit=50)
    with pytest.raises(uploads.UploadError, match="beyond its size"):
        inbox.part("map", _part("e", 50, 10), b"z" * 41, limit=50)
    assert inbox.held() == 10  # only c is left
    # an upload with no part for idle_s is dropped; its next part says so, once
    now[0] = 61.0
    assert inbox.held() == 0
    with pytest.raises(uploads.UploadError, match="stalled"):
        inbox.part("scenario", _part("c", 40, 10), b"x" * 10, limit=50)
    assert inbox.part("scenario", _part("c", 40, 20), b"x" * 10, limit=50) is None
    with pytest.raises(uploads.UploadError, match="not allowed as a file name"):
        inbox.part("map", _part("h", 10, 0, name="a\x00.osm"), b"x", limit=50)
    with pytest.raises(uploads.UploadError, match="did not start"):
        inbox.part("map", _part("i", 10, 5), b"x", limit=50)
    assert inbox.held() == 0


def test_eight_unfinished_map_uploads_hold_one_part() -> None:
    """The probe's 8 x 49 MiB unfinished uploads in one session: only the newest is kept."""
    inbox = Inbox()
    for n in range(8):
        inbox.part("sr-upload-map", _part(str(n), 49 << 20, 0), b"x" * (1 << 20), limit=uploads.MAX_MAP_BYTES)
    assert inbox.held() == 1 << 20


# --- the map's data ----------------------------------------------------------------------------


def test_map_data_is_on_real_coordinates(base: Prepared) -> None:
    frame = base.frame
    drawn = mapdata.base_map(base.network, school_name="实验小学", frame=frame)
    school = base.network.graph.nodes[base.network.school_node]
    assert (drawn["school"]["x"], drawn["school"]["y"]) == frame.local(school["x"], school["y"])
    assert frame.real(*frame.local(school["x"], school["y"])) == pytest.approx((school["x"], school["y"]),
                                                                              abs=0.1)
    crossings = mapdata.crossing_list(base.setting, frame=frame)
    assert {c["id"] for c in crossings} == set(base.setting.traffic)
    c = next(c for c in crossings if c["id"] == "x24-23")
    real = base.network.crossings["x24-23"]
    assert (c["x"], c["y"]) == frame.local(real.x, real.y) and c["f"] == real.facility
    assert all(0 <= c["x"] <= frame.width and 0 <= c["y"] <= frame.height for c in crossings)


def test_overlays_show_guards_zones_and_street_measures(base: Prepared) -> None:
    data = state.with_guard(base.data, "x24-23", hours="07:10-08:30", staff="auxiliary_police", count=2)
    data = state.with_zone(data, center=None, radius_m=200, limit_kmh=30, humps=False)
    data = state.with_street(data, "e23-24", limit_kmh=None, humps=True)
    shown = mapdata.overlays(data, frame=base.frame, staff_names=texts.staff_names("zh"), zone_text="区域")
    assert shown["guards"] == {"x24-23": "07:10-08:30 · 辅警 ×2"}
    assert shown["zones"] == [{"x": None, "y": None, "r": 200.0, "label": "区域 30 km/h"}]
    assert shown["measures"] == {"e23-24": "▲"}


def test_a_stepped_run_equals_run_once_and_streams_keyframes(base: Prepared) -> None:
    steps = list(jobs.stepped_run(base.setting, 3))
    assert len(steps) >= 3 and all(r is None for _, r in steps[:-1])
    model, result = steps[-1]
    assert result is not None and result.summary == run_once(base.setting, 3).summary
    from simulator.trajectory import trajectories

    props = mapdata.trajectory_props(trajectories(model), frame=base.frame, run=7, final=True)
    assert props["run"] == 7 and props["final"] and len(props["party"]) == 200
    assert len(props["t"]) == len(props["x"]) == len(props["s"]) == props["start"][-1]
    stats = mapdata.crossing_stats(result.crossings, children=result.summary["children"])
    assert set(stats) == set(result.crossings["crossing"]) and all(len(v) == 5 for v in stats.values())
    # risk per 100,000 trips, the school figure's unit: the crossings add up to it (3 significant digits each)
    for column, key in ((3, "severe_per_100k_trips"), (4, "deaths_per_100k_trips")):
        assert sum(v[column] for v in stats.values()) == pytest.approx(result.summary[key], rel=0.01)


def test_the_map_gets_the_first_slice_at_once_and_the_rest_when_due(base: Prepared) -> None:
    from simulator.ui.mappage import run_frames

    every = list(run_frames(base, 2, 5, every=0.0))
    sparse = list(run_frames(base, 2, 6, every=1e9))
    assert len(sparse) == 2 < len(every)
    assert [f["traj"]["final"] for f in sparse] == [False, True]
    assert sparse[0]["summary"] is None and sparse[-1]["summary"] == every[-1]["summary"]
    assert sparse[0]["traj"]["known"] < sparse[-1]["traj"]["end"]
    assert sparse[-1]["traj"]["t"] == every[-1]["traj"]["t"]



@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_run_s_summary_gives_the_casualties_a_year_and_the_calibration_line(base: Prepared,
                                                                              lang: str) -> None:
    from simulator.ui.mappage import SHOWN, run_frames, summary_rows

    last = list(run_frames(base, 2, 1, every=1e9))[-1]
    rows = dict(summary_rows(last["summary"], lang=lang))
    names = texts.metric_names(lang)
    assert list(rows) == [names[k] for k in SHOWN]
    for key in ("severe_per_100k_trips", "deaths_per_100k_trips", "severe_per_year", "deaths_per_year"):
        m = METRICS[key]
        assert rows[m.label(lang)] == f"{last['summary'][key]:.{m.decimals}f}", key
    params = base.setting.params
    notes = texts.risk_notes(last["params"], lang)
    assert notes == [per_year_note(params, lang), calibration_note(params, lang)]
    assert texts.risk_notes(params.with_overrides({"cost.school_days": 100}), lang)[0] != notes[0]


# --- comparisons ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison() -> jobs.Comparison:
    small = {"children": 200}
    chosen = [(name, scenario_from_mapping(state.mapping_of(load_scenario(SCENARIOS / name)) | small))
              for name in ("baseline.yaml", "guard-posts.yaml")]
    seen: list[tuple[int, int]] = []
    comp = jobs.compare(chosen, range(1, 4), progress=lambda d, n: seen.append((d, n)), workers=2)
    assert comp is not None
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    return comp


def test_a_comparison_in_worker_processes_equals_run_once(comparison: jobs.Comparison) -> None:
    assert [(r.scenario, r.seed) for r in comparison.results] == [
        (s.name, k) for s in comparison.settings for k in (1, 2, 3)]
    again = run_once(comparison.settings[1], 2)
    assert comparison.results[4].summary == again.summary
    diffs = comparison.differences()
    assert set(diffs["scenario"]) == {comparison.settings[1].name}


def test_a_comparison_can_be_cancelled() -> None:
    chosen = [("b", scenario_from_mapping({"name": "b", "children": 100}))]
    assert jobs.compare(chosen, range(1, 5), cancelled=lambda: True, workers=1) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_comparison_figures_and_tables(comparison: jobs.Comparison, lang: str) -> None:
    for image in (charts.risk_figure(comparison, lang=lang), charts.delay_figure(comparison, lang=lang)):
        assert image.startswith(b"\x89PNG")
    maps = charts.scenario_maps(comparison, lang=lang)
    assert [name for name, _ in maps] == [s.name for s in comparison.settings]
    t = texts.texts(lang)
    rows = charts.change_rows(comparison, lang=lang)
    alt = comparison.settings[1].name
    column = next(k for k in rows[0] if k.endswith(t["delta"]))
    assert list(rows[0])[:3] == [t["metric"], comparison.baseline, alt]
    assert all(r[column].endswith((t["significant"], t["within_noise"])) for r in rows)
    statements = charts.noise_statements(comparison, lang=lang)
    assert len(statements) == 1 and statements[0].startswith(alt)
    hot = charts.hotspot_rows(comparison, lang=lang)
    assert hot and t["crossing"] in hot[0]
    risk = next(k for k in hot[0] if k.endswith(t["risk"]))
    assert "10万人次" in risk if lang == "zh" else "per 100,000 trips" in risk
    assert len(hot[0][risk].partition(".")[2]) == part_decimals("severe_per_100k_trips")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_comparison_shows_the_casualties_a_year_and_how_the_risk_is_calibrated(
        comparison: jobs.Comparison, lang: str) -> None:
    rows = charts.change_rows(comparison, lang=lang)
    column = texts.texts(lang)["metric"]
    labels = [r[column] for r in rows]
    for key in ("severe_per_100k_trips", "deaths_per_100k_trips", "severe_per_year", "deaths_per_year"):
        assert METRICS[key].label(lang) in labels, key
    summary = comparison.summary().set_index(["scenario", "metric"])
    m = METRICS["deaths_per_year"]
    row = rows[labels.index(m.label(lang))]
    mean = summary.loc[(comparison.baseline, m.key), "mean"]
    assert row[comparison.baseline].startswith(f"{mean:.{m.decimals}f} [")
    params = comparison.settings[0].params
    assert charts.comparison_notes(comparison, lang=lang) == [per_year_note(params, lang),
                                                              calibration_note(params, lang)]
    # each change with its percentage of the baseline and the ratio's interval, before the verdict
    change = next(v for k, v in row.items() if k.endswith(texts.texts(lang)["delta"]))
    interval = r"[+-][\d.]+ \[[+-][\d.]+, [+-][\d.]+\]"
    assert re.search(rf"^{interval}( \([+-]\d+%( \[[+-]\d+, [+-]\d+\])?\))? ", change), change


def test_the_report_button_writes_results_in_the_folder_and_builds_the_report(
        comparison: jobs.Comparison, tmp_path: Path) -> None:
    from simulator.ui.comparepage import make_report, report_builder

    assert report_builder() is not None, "simulator.report.build_report is the report button's builder"
    name, html = make_report(comparison, folder=tmp_path, lang="zh")
    assert name == "saferoute-report-zh.html" and html.startswith(b"<!doctype html>")
    assert comparison.baseline.encode() in html
    assert list(tmp_path.iterdir()) == [], "the temporary results are removed again"


def test_identical_scenarios_are_within_noise(base: Prepared) -> None:
    same = scenario_from_mapping(base.data)
    other = same.model_copy(update={"name": "copy"})
    comp = jobs.compare([("a", same), ("b", other)], [1, 2], workers=1)
    assert comp is not None
    t = texts.texts("en")
    rows = charts.change_rows(comp, lang="en")
    assert all(r[f"copy {t['delta']}"].endswith(t["within_noise"]) for r in rows)
    (statement,) = charts.noise_statements(comp, lang="en")
    assert "within noise" in statement and "Real changes" not in statement


def test_one_seed_shows_no_interval_and_says_why(base: Prepared) -> None:
    other = scenario_from_mapping(base.data).model_copy(update={"name": "copy"})
    comp = jobs.compare([("a", scenario_from_mapping(base.data)), ("b", other)], [1], workers=1)
    assert comp is not None
    rows = charts.change_rows(comp, lang="en")
    assert all(r[comp.baseline].endswith(" [—]") and "nan" not in " ".join(r.values()) for r in rows)
    assert charts.comparison_notes(comp, lang="zh")[0].startswith("[—]：只有 1 个随机种子")


# --- texts, catalogue, assets, command ------------------------------------------------------------------


def test_both_languages_have_every_label() -> None:
    zh, en = texts.texts("zh"), texts.texts("en")
    assert zh.keys() == en.keys()
    assert texts.facility_names("zh")["zebra"] == "斑马线" and zh["guard_post"] == "护学岗"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in v) for k, v in zh.items()
               if k not in ("language",)), "every Chinese label has Chinese text"


def test_the_catalogue_leaves_out_files_that_are_not_scenarios(tmp_path: Path) -> None:
    (tmp_path / "baseline.yaml").write_text("name: b\n", encoding="utf-8")
    (tmp_path / "batch.yaml").write_text("networks: []\nseeds: 3\n", encoding="utf-8")
    assert list(catalogue(tmp_path)) == ["baseline.yaml"]
    assert next(iter(catalogue())) == "baseline.yaml"


def test_the_assets_are_the_ones_solara_asks_for() -> None:
    from simulator.ui import assets

    wanted = assets.required_packages()
    template = (assets.solara_folder() / "server/templates/solara.html.j2").read_text(encoding="utf-8")
    assert [w.rsplit("@", 1)[0] for w in wanted] == [
        "@widgetti/solara-vuetify-app", "requirejs", "font-awesome", "@widgetti/vue-grid-layout"]
    for spec in wanted[:2]:
        assert spec + "/" in template
    env = assets.server_env(Path("/x"))
    assert env == {"SOLARA_ASSETS_PROXY_CACHE_DIR": "/x", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}


def test_the_ui_command_binds_to_localhost_offline(tmp_path: Path) -> None:
    from simulator.cli import parser
    from simulator.cli.ui import server_command

    args = parser().parse_args(["ui", "--no-open", "--folder", str(tmp_path)])
    cmd, env = server_command(args)
    assert cmd[1:4] == ["-m", "solara", "run"] and cmd[4].endswith("app.py")
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--port") + 1] == "8765"
    assert "--production" in cmd and "--no-open" in cmd
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"].endswith("solara-assets")
    assert env["SAFEROUTE_UI_FOLDER"] == str(tmp_path)
    with pytest.raises(SaferouteError, match="--port"):
        server_command(argparse.Namespace(host="127.0.0.1", port=70000, folder=".", no_open=True))


def test_a_bare_solara_run_of_app_py_is_offline_and_quiet() -> None:
    """``solara run app.py`` without saferoute's environment still serves the cached assets."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLARA_")}
    code = ("import app, solara.checks, solara.server.settings as s; "
            "print(s.assets.proxy_cache_dir); print(s.telemetry.mixpanel_enable); "
            "print(solara.checks.should_perform_solara_check())")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    cache, telemetry, check = done.stdout.split()
    assert Path(cache) == REPO / ".cache" / "solara-assets"
    assert telemetry == "False" and check == "False"


def test_the_server_says_when_it_listens_and_stays_quiet_otherwise() -> None:
    import logging

    from simulator.ui.assets import announce_listening

    logger = logging.getLogger("uvicorn.error")
    level, filters = logger.level, list(logger.filters)
    try:
        logger.setLevel(logging.ERROR)  # as solara configures it
        announce_listening()
        announce_listening()

        def shown(text: str, level: int = logging.INFO) -> bool:
            record = logger.makeRecord(logger.name, level, __file__, 1, text, (), None)
            return logger.isEnabledFor(level) and bool(logger.filter(record))

        assert shown("Uvicorn running on %s (Press CTRL+C to quit)")
        assert not shown("Started server process [%d]") and not shown("Application startup complete.")
        assert shown("something is wrong", logging.WARNING)
        assert len(logger.filters) == len(filters) + 1
    finally:
        logger.setLevel(level)
        logger.filters[:] = filters


def test_the_yaml_loader_stays_safe() -> None:
    with pytest.raises(ScenarioError):
        scenario_from_yaml("name: !!python/object/apply:os.system ['true']\n", origin="evil.yaml")
    assert yaml.safe_load(state.yaml_text({"name": "n"}))["name"] == "n"


def test_the_page_names_its_own_fields_and_adjusts_no_number() -> None:
    from simulator.ui.context import whole_in
    from simulator.ui.recommendpage import in_page_words

    assert whole_in("12", 1, 200) == 12 and whole_in(0, 1, 200) is None and whole_in("x", 1, 200) is None
    assert whole_in(500, 1, 200) is None  # refused, not capped
    zh = texts.texts("zh")
    said = in_page_words("--staff: 999 is not allowed (allowed: 1 to 40, the at-grade crossings here)", zh)
    assert said.startswith(zh["rec_staff"] + ": 999 is not allowed")
    staff_type = in_page_words("--staff-type: 'x' is not allowed (allowed: police)", zh)
    assert staff_type.startswith(zh["staff"] + ": 'x'")
    assert in_page_words("site.map: no such file", zh) == "site.map: no such file"
