"""Bad input through the real CLI: one line naming file, field, value and allowed set; exit 2.

The cases of the issue run ``python -m simulator.cli`` in a subprocess inside
a folder of their own; further cases run ``simulator.cli.main`` in-process
(same code path, quicker). Each checks that nothing at all was written: no
results folder, no temporary folder, and an earlier results folder left
exactly as it was. The subprocesses are started together (a module fixture)
to keep the suite quick; each case is still its own test. A school unreachable
on foot is tested in ``test_cli.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from simulator.cli import main

REPO = Path(__file__).resolve().parent.parent
BASELINE = str(REPO / "scenarios" / "baseline.yaml")
EXIT_BAD_INPUT = 2
PREFIX = "saferoute: error: "
SMALL = "name: t\nchildren: 200\n"
GUARD = ("  - type: guard\n    crossings: [{id}]\n    staff: auxiliary_police\n"
         "    hours: '{hours}'\n")
RUN = ("run", "bad.yaml", "--seeds", "1", "--workers", "1", "--out", "out")
EARLIER = {"out/manifest.json": '{"format": 1}', "out/summary.csv": "scenario,metric\n"}


@dataclass(frozen=True)
class Case:
    """A command line, the files it finds in its folder, and what its one error line must say."""

    args: tuple[str, ...]
    expected: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)
    starts: str = ""


def scenario(text: str, *expected: str) -> Case:
    """``saferoute run bad.yaml`` with ``text`` as bad.yaml; the line starts with the file name."""
    return Case(RUN, expected, {"bad.yaml": text}, starts="bad.yaml")


def validate(*args: str, expected: tuple[str, ...]) -> Case:
    return Case(("validate", *args), expected)


CASES: dict[str, Case] = {
    # --- scenario files ----------------------------------------------------------------------
    "unknown-field": scenario(
        SMALL + "childern: 300\n",
        "bad.yaml: childern: unknown field", "(allowed: name, description, site, children,",
        "did you mean children?"),
    "unknown-field-in-intervention": scenario(
        SMALL + "interventions:\n" + GUARD.format(id="x24-23", hours="07:10-08:30")
        + "    colour: red\n",
        "bad.yaml: interventions[0].colour: unknown field",
        "(allowed: crossings, hours, staff, count, clear_parking)"),
    "unknown-intervention-type": scenario(
        SMALL + "interventions:\n  - type: guardpost\n    crossings: [x24-23]\n",
        "bad.yaml: interventions[0].type: 'guardpost' is not an intervention type",
        "(allowed: facility, speed_limit, humps, lane_reduction, volume, guard, dropoff_ban, "
        "mode_shares, school_bus, kiss_and_ride, ebike_parking, education, start_time, "
        "recommended_routes", "did you mean guard?"),
    "negative-volume": scenario(
        SMALL + "interventions:\n  - type: volume\n    crossings: [x24-23]\n    vph: -50\n",
        "bad.yaml: interventions[0].vph: -50 is not allowed", "(allowed: a number >= 0 veh/h"),
    "non-numeric-volume": scenario(
        SMALL + "interventions:\n  - type: volume\n    edges: [e23-24]\n    vph: lots\n",
        "bad.yaml: interventions[0].vph: 'lots' is not allowed", "(allowed: a number >= 0 veh/h"),
    "non-numeric-volume-in-pair": scenario(
        SMALL + "interventions:\n  - type: volume\n    edges: [e23-24]\n    vph: [300, '1,200']\n",
        "bad.yaml: interventions[0].vph: [300, '1,200'] is not allowed",
        "(allowed: a number >= 0 veh/h, or a list of two"),
    "speed-limit-too-high": scenario(
        SMALL + "interventions:\n  - type: speed_limit\n    limit_kmh: 200\n"
                "    zone: {radius_m: 200}\n",
        "bad.yaml: interventions[0].limit_kmh: 200 is not allowed", "(allowed: 5–130 km/h)"),
    "speed-limit-too-low": scenario(
        SMALL + "interventions:\n  - type: speed_limit\n    limit_kmh: 4\n    edges: [e23-24]\n",
        "bad.yaml: interventions[0].limit_kmh: 4 is not allowed", "(allowed: 5–130 km/h)"),
    "guard-ends-before-it-starts": scenario(
        SMALL + "interventions:\n" + GUARD.format(id="x24-23", hours="08:30-07:10"),
        "bad.yaml: interventions[0].hours: guard schedule ends (07:10) before it starts (08:30)",
        "(allowed: an end later than the start)"),
    "guard-ends-when-it-starts": scenario(
        SMALL + "interventions:\n" + GUARD.format(id="x24-23", hours="07:10-07:10"),
        "bad.yaml: interventions[0].hours: guard schedule starts and ends at 07:10",
        "(allowed: an end later than the start)"),
    "unknown-crossing-id": scenario(
        SMALL + "interventions:\n" + GUARD.format(id="x24-32", hours="07:10-08:30"),
        "bad.yaml: interventions[0].crossings[0]: 'x24-32' is not a crossing of this site",
        "(closest: ", "x24-23"),
    "unknown-edge-id": scenario(
        SMALL + "interventions:\n  - type: humps\n    edges: [e23-42]\n",
        "bad.yaml: interventions[0].edges[0]: 'e23-42' is not a street edge of this site",
        "(closest: ", "e32-42"),
    "crossing-id-given-as-edge-id": scenario(
        SMALL + "interventions:\n  - type: humps\n    edges: [x24-23]\n",
        "bad.yaml: interventions[0].edges[0]: 'x24-23' is not a street edge of this site",
        "(it is a crossing id)"),
    "children-negative": scenario(
        "name: t\nchildren: -1\n",
        "bad.yaml: children: -1 is not allowed", "(allowed: a whole number 1–100000)"),
    "walking-speed-0": scenario(
        SMALL + "parameters:\n  child.walk_speed_age6: 0\n  child.walk_speed_age12: 0\n",
        "bad.yaml: parameters.child.walk_speed_age6: 0 is not allowed (allowed: 0.3–3 m/s (default 1.2))",
        "parameters.child.walk_speed_age12: 0 is not allowed"),
    "escort-speed-0": scenario(
        SMALL + "parameters: {guard.escort_speed: 0}\n",
        "bad.yaml: parameters.guard.escort_speed: 0 is not allowed (allowed: 0.3–3 m/s (default 1))"),
    "lane-width-huge": scenario(
        SMALL + "parameters: {traffic.lane_width: 1000000}\n",
        "bad.yaml: parameters.traffic.lane_width: 1000000 is not allowed (allowed: 2.5–5 m (default 3.5))"),
    "patience-0": scenario(
        SMALL + "parameters: {child.patience_median: 0}\n",
        "bad.yaml: parameters.child.patience_median: 0 is not allowed (allowed: 1–3600 s (default 45))"),
    "alias-bomb": scenario(
        "name: t\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\ninterventions: [*e, *e]\n",
        "bad.yaml is refused: line ", "values once aliases are expanded"),
    "alias-in-itself": scenario("name: t\ninterventions: &a [*a]\n",
                                "bad.yaml is refused: line 2: the alias *a is used inside its own anchor"),
    "crossings-csv-is-a-folder": Case(("crossings", "--csv", "tables"), (
        "--csv: tables is a folder (allowed: a .csv file to write)",), {"tables/keep.txt": "mine\n"}),
    "results-folder-with-other-files": Case(
        ("run", BASELINE, "--seeds", "1", "--out", "out"),
        ("--out: out holds results and other files (notes.txt) that saferoute did not write",),
        {"out/manifest.json": '{"format": 2, "scenarios": {}, "files": ["manifest.json"]}',
         "out/notes.txt": "mine\n"}),
    "empty-file": scenario("", "bad.yaml: the file is empty", "(allowed: a scenario"),
    "comment-only-file": scenario("# nothing but a comment\n", "bad.yaml: the file is empty"),
    "malformed-yaml": scenario(
        "name: t\ninterventions: [\n  - type: guard\n", "bad.yaml is not valid YAML (line 3:"),
    "tab-indented-yaml": scenario(
        "name: t\n\tchildren: 200\n", "bad.yaml is not valid YAML (line 2:",
        "indent with spaces"),
    "list-not-mapping": scenario(
        "- name: t\n", "bad.yaml: must be a mapping at the top level", "not a list"),
    "missing-file": Case(("run", "nowhere.yaml", "--out", "out"),
                         ("nowhere.yaml does not exist",), starts="nowhere.yaml"),
    "folder-not-file": Case(("run", "scenarios", "--out", "out"),
                            ("scenarios is a folder, not a scenario file",),
                            {"scenarios/README": "not a scenario\n"}),
    "default-results-folder-not-created": Case(
        ("run", "bad.yaml"), ("children",), {"bad.yaml": "name: t\nchildren: 0\n"},
        starts="bad.yaml"),
    "earlier-results-left-untouched": Case(
        RUN, ("vph",), {"bad.yaml": SMALL + "interventions:\n  - type: volume\n"
                                            "    crossings: [x24-23]\n    vph: -1\n"} | EARLIER,
        starts="bad.yaml"),
    "compare-bad-alternative": Case(
        ("compare", "base.yaml", "alt.yaml", "--seeds", "1", "--out", "out"),
        ("alt.yaml: interventions[0].crossings[0]: 'x24-32'",),
        {"base.yaml": SMALL, "alt.yaml": "name: alt\nchildren: 200\ninterventions:\n"
                                         + GUARD.format(id="x24-32", hours="07:10-08:30")},
        starts="alt.yaml"),
    "compare-same-name-twice": Case(
        ("compare", "a.yaml", "b.yaml", "--out", "out"),
        ("scenario names must differ", "a.yaml", "b.yaml"), {"a.yaml": SMALL, "b.yaml": SMALL}),
    "map-site-names-the-file": Case(
        ("run", "map.yaml", "--out", "out"), ("map.yaml: site.map: ", "city.osm", "empty map"),
        {"map.yaml": "name: t\nsite: {map: city.osm}\n", "city.osm": "<osm/>\n"},
        starts="map.yaml"),
    # --- run options ---------------------------------------------------------------------------
    "seeds-0": Case(("run", BASELINE, "--seeds", "0", "--out", "out"),
                    ("--seeds: 0 is not allowed", "(allowed: a whole number >= 1)")),
    "seeds-negative": Case(("run", BASELINE, "--seeds", "-3", "--out", "out"),
                           ("--seeds: -3 is not allowed", "(allowed: a whole number >= 1)")),
    "seeds-text": Case(("run", BASELINE, "--seeds", "ten", "--out", "out"),
                       ("--seeds: 'ten' is not allowed", "(allowed: a whole number)")),
    "seeds-fraction": Case(("run", BASELINE, "--seeds", "2.5", "--out", "out"),
                           ("--seeds: '2.5' is not allowed", "(allowed: a whole number)")),
    "workers-0": Case(("run", BASELINE, "--workers", "0", "--out", "out"),
                      ("--workers: 0 is not allowed", "(allowed: a whole number >= 1)")),
    "out-is-a-file": Case(("run", BASELINE, "--out", "notes.txt"),
                          ("--out: notes.txt is a file", "(allowed: a new or empty folder"),
                          {"notes.txt": "keep me\n"}),
    "out-is-a-folder-of-other-files": Case(
        ("run", BASELINE, "--out", "documents"),
        ("--out: documents is a folder of other files", "(allowed: a new or empty folder"),
        {"documents/thesis.docx": "keep me\n"}),
    "unknown-option": Case(("run", BASELINE, "--speed", "3"),
                           ("unrecognized arguments: --speed 3",)),
    "no-command": Case((), ("required: command", "saferoute --help")),
    # --- saferoute validate ----------------------------------------------------------------------
    "flow-negative": validate("--flow", "-5", "--length", "10", expected=(
        "--flow: -5 is not allowed", "(allowed: a number 0–10000 veh/h)")),
    "flow-text": validate("--flow", "lots", "--length", "10", expected=(
        "--flow: 'lots' is not allowed", "(allowed: a number)")),
    "flow-nan": validate("--flow", "nan", "--length", "10", expected=(
        "--flow: nan is not allowed", "(allowed: a number 0–10000 veh/h)")),
    "flow-huge": validate("--flow", "1e9", "--length", "10", expected=(
        "--flow: 1e+09 is not allowed", "(allowed: a number 0–10000 veh/h)")),
    "flow-missing": validate("--length", "10", expected=(
        "--flow: missing", "(allowed: a number 0–10000 veh/h)")),
    "length-0": validate("--flow", "500", "--length", "0", expected=(
        "--length: 0 is not allowed", "(allowed: a number > 0 and <= 100 m)")),
    "length-inf": validate("--flow", "500", "--length", "inf", expected=(
        "--length: inf is not allowed", "(allowed: a number > 0 and <= 100 m)")),
    "walk-speed-0": validate("--flow", "500", "--length", "10", "--walk-speed", "0", expected=(
        "--walk-speed: 0 is not allowed", "(allowed: a number > 0 and <= 5 m/s)")),
    "startup-negative": validate("--flow", "500", "--length", "10", "--startup", "-3", expected=(
        "--startup: -3 is not allowed", "(allowed: a number 0–60 s)")),
    "yield-rate-above-1": validate("--flow", "500", "--length", "10", "--yield-rate", "1.5",
                                   expected=("--yield-rate: 1.5 is not allowed",
                                             "(allowed: a number 0–1)")),
    "crossings-1": validate("--flow", "500", "--length", "10", "--crossings", "1", expected=(
        "--crossings: 1 is not allowed", "(allowed: a whole number 2–1000000)")),
    "seed-negative": validate("--flow", "500", "--length", "10", "--seed", "-1", expected=(
        "--seed: -1 is not allowed", "(allowed: a whole number >= 0)")),
    "signal-green-longer-than-cycle": validate(
        "--flow", "500", "--length", "10", "--signal", "90,100",
        expected=("--signal: '90,100' is not allowed", "(allowed: CYCLE,GREEN")),
    "signal-one-number": validate("--flow", "500", "--length", "10", "--signal", "90", expected=(
        "--signal: '90' is not allowed", "(allowed: CYCLE,GREEN")),
    "signal-infinite-cycle": validate("--flow", "500", "--length", "10", "--signal", "inf,20",
                                      expected=("--signal: 'inf,20' is not allowed",
                                                "(allowed: CYCLE,GREEN")),
    "hours-long-wait": validate("--flow", "1500", "--length", "21", expected=(
        "--flow 1500 with --length 21: the HCM wait for a gap is",
        "(allowed: a flow and crossing whose HCM wait is at most 3600 s)")),
    "two-problems-one-line": validate("--flow", "-5", "--length", "-1", expected=(
        "--flow: -5 is not allowed", "; --length: -1 is not allowed")),
}


# the bad inputs the issue lists (and the folder-safety ones) go through a real subprocess
IN_SUBPROCESS = (
    "unknown-field", "unknown-intervention-type", "negative-volume", "non-numeric-volume",
    "speed-limit-too-high", "guard-ends-before-it-starts", "unknown-crossing-id",
    "unknown-edge-id", "empty-file", "malformed-yaml", "missing-file",
    "default-results-folder-not-created", "earlier-results-left-untouched",
    "compare-bad-alternative", "out-is-a-folder-of-other-files", "seeds-0", "seeds-text",
    "flow-negative", "flow-text",
)


def saferoute(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, in ``cwd``."""
    env = os.environ | {"PYTHONPATH": str(REPO), "PYTHONUTF8": "1"}
    return subprocess.run([sys.executable, "-m", "simulator.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          check=False)


def listing(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file and folder below ``folder``: modification time and content."""
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns,
                                         p.read_bytes() if p.is_file() else b"")
            for p in sorted(folder.rglob("*"))}


@dataclass
class Outcome:
    run: subprocess.CompletedProcess[str]
    folder: Path
    before: dict[str, tuple[int, bytes]]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every case run at once, each in a fresh folder holding only its files."""
    folders = {}
    for name in IN_SUBPROCESS:
        case = CASES[name]
        folder = tmp_path_factory.mktemp(name)
        for relative, text in case.files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text, encoding="utf-8")
        folders[name] = (folder, listing(folder))
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1) * 2) as pool:
        runs = {name: pool.submit(saferoute, *CASES[name].args, cwd=folder)
                for name, (folder, _) in folders.items()}
        return {name: Outcome(run.result(), *folders[name]) for name, run in runs.items()}


def in_process(args: tuple[str, ...], folder: Path, capsys: pytest.CaptureFixture[str],
               monkeypatch: pytest.MonkeyPatch) -> subprocess.CompletedProcess[str]:
    """``simulator.cli.main`` run in ``folder``, as a finished process."""
    monkeypatch.chdir(folder)
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse's own exit
        code = stop.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["saferoute", *args], code, out, err)


def rejected(run: subprocess.CompletedProcess[str]) -> str:
    """The error line of a run that must fail as bad input (checked: exit 2, one line)."""
    assert run.returncode == EXIT_BAD_INPUT, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    assert run.stderr.endswith("\n")
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(PREFIX)
    return lines[0]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    name: str, request: pytest.FixtureRequest, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = CASES[name]
    if name in IN_SUBPROCESS:
        outcome = request.getfixturevalue("outcomes")[name]
    else:
        for relative, text in case.files.items():
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / relative).write_text(text, encoding="utf-8")
        before = listing(tmp_path)
        outcome = Outcome(in_process(case.args, tmp_path, capsys, monkeypatch), tmp_path, before)
    line = rejected(outcome.run)
    assert line.startswith(PREFIX + case.starts)
    for part in case.expected:
        assert part in line, f"{part!r} not in {line!r}"
    assert listing(outcome.folder) == outcome.before
    if "out/manifest.json" not in case.files:
        assert not (outcome.folder / "out").exists()
    assert not (outcome.folder / "results").exists()


def test_the_cases_run_in_a_subprocess_exist() -> None:
    assert set(IN_SUBPROCESS) <= set(CASES)

