"""The compare page: a baseline and alternatives over N seeds in the background, with intervals."""

from __future__ import annotations

import html
import importlib
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import solara
import solara.lab

from simulator.errors import SaferouteError
from simulator.scenario import Scenario
from simulator.ui import charts, jobs, modecharts, state
from simulator.ui.context import MAX_SEEDS, Session, one_line, whole_in

EDITED = "*"  # key of the scenario being edited in the choices


def table(rows: list[dict[str, str]], *, classes: list[str], noise: str = "",
          hints: Sequence[str] = ()) -> solara.Element:
    """A plain HTML table (escaped) of rows with the same keys; cells saying ``noise`` are marked.

    ``hints`` are the rows' tooltips (e.g. each figure's definition), in row order.
    """
    if not rows:
        return solara.Text("")
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    titles = [f' title="{html.escape(h)}"' for h in hints] + [""] * (len(rows) - len(hints))
    body = "".join(
        f"<tr{title}>" + "".join(f"<td{_noise_class(v, noise)}>{html.escape(v)}</td>" for v in r.values())
        + "</tr>"
        for r, title in zip(rows, titles, strict=False))
    return solara.HTML(tag="table", unsafe_innerHTML=f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>",
                       classes=["sr-table", *classes])


def _noise_class(cell: str, noise: str) -> str:
    return " class=sr-noise" if noise and cell.endswith(noise) else ""


def chosen_scenarios(session: Session, baseline: str,
                     alternatives: list[str]) -> list[tuple[str, Scenario]]:
    """(origin, scenario) of the baseline and alternatives, names made distinct."""
    files = session.scenarios.value
    edited = session.prepared.value.scenario

    def get(key: str) -> tuple[str, Scenario]:
        return ("<edited>", edited) if key == EDITED else (key, files[key])

    out = [get(baseline)] + [get(k) for k in alternatives if k != baseline]
    seen: set[str] = set()
    named = []
    for origin, scenario in out:
        name = scenario.name
        while name in seen:
            name += session.t["edited"]
        seen.add(name)
        renamed = scenario if name == scenario.name else scenario.model_copy(update={"name": name})
        named.append((origin, renamed))
    return named


def report_builder() -> Callable[..., Path] | None:
    """``simulator.report.build_report`` if the report module is installed (else None: the hook waits)."""
    try:
        module = importlib.import_module("simulator.report")
    except ImportError:
        return None
    return getattr(module, "build_report", None)


def make_report(comp: jobs.Comparison, *, folder: Path, lang: str) -> tuple[str, bytes]:
    """Write the comparison's results into a temporary folder inside ``folder`` and build the HTML report."""
    from simulator.results import write_results

    build = report_builder()
    if build is None:
        raise SaferouteError("the report module (simulator.report.build_report) is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=folder))
    try:
        out = write_results(comp.results, tmp / "results", settings=comp.settings, seeds=comp.seeds,
                            scenarios=comp.scenarios)
        path = build(out, lang=lang, fmt="html", out=tmp / f"report-{lang}.html")
        return f"saferoute-report-{lang}.html", Path(path).read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@solara.component
def Results(session: Session, comp: jobs.Comparison) -> solara.Element:
    """Tables and figures of a finished comparison."""
    t = session.t
    lang = session.lang.value
    modes: Any = solara.use_memo(lambda: modecharts.mode_table(comp), [id(comp)])
    figures: Any = solara.use_memo(
        lambda: {"risk": charts.risk_figure(comp, lang=lang), "delay": charts.delay_figure(comp, lang=lang),
                 "maps": charts.scenario_maps(comp, lang=lang),
                 "modes": modecharts.modes_figure(comp, modes, lang=lang) if modes is not None else None},
        [id(comp), lang])
    def build() -> tuple[str, bytes]:
        return make_report(comp, folder=session.folder, lang=lang)

    report: Any = solara.lab.use_task(build, dependencies=None, raise_error=False)
    with solara.Column(gap="10px", classes=["sr-results"]) as col:
        title = f"{t['results']}: {len(comp.settings)} {t['scenario']} × {len(comp.seeds)} {t['seeds_word']}"
        solara.Text(title, style={"font-weight": "bold"}, classes=["sr-results-title"])
        table(charts.change_rows(comp, lang=lang), classes=["sr-changes-table"], noise=t["within_noise"],
              hints=charts.definitions(lang=lang))
        with solara.Column(gap="2px", classes=["sr-noise-statements"]):
            for line in charts.noise_statements(comp, lang=lang):
                solara.Text(line)
            solara.Text(t["noise_note"], style={"color": "#607d8b", "font-size": "12px"})
        with solara.Column(gap="2px", classes=["sr-risk-notes"]):
            for line in charts.comparison_notes(comp, lang=lang):
                solara.Text(line, style={"color": "#607d8b", "font-size": "12px"})
        with solara.Div(classes=["sr-figure", "sr-figure-risk"]):
            solara.Image(figures["risk"], format="png")
        with solara.Div(classes=["sr-figure", "sr-figure-delay"]):
            solara.Image(figures["delay"], format="png")
        if modes is not None:
            ArrivalModes(session, comp, modes, figures["modes"])
        solara.Text(t["fig_maps"], style={"font-weight": "bold"})
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            for i, (name, image) in enumerate(figures["maps"]):
                shown = ["sr-figure", "sr-scenario-map", f"sr-scenario-map-{i}"]
                with solara.Column(gap="2px", classes=shown):
                    solara.Text(name, classes=["sr-scenario-map-name"])
                    solara.Image(image, format="png", width="480px")
        solara.Text(t["hotspots"], style={"font-weight": "bold"})
        table(charts.hotspot_rows(comp, lang=lang), classes=["sr-hotspots"])
        if report_builder() is None:
            solara.Text(t["report_missing"], style={"color": "#78909c"})
        else:
            with solara.Row(gap="8px", style={"align-items": "center"}):
                solara.Button(t["report"], on_click=lambda: report(), disabled=report.pending,
                              outlined=True, classes=["sr-report"])
                if report.pending:
                    solara.ProgressLinear(True, style={"width": "200px"})
                if report.finished and report.value:
                    name, data = report.value
                    solara.FileDownload(data, filename=name, label=name, mime_type="text/html")
                if report.error:
                    solara.Error(one_line(report.exception), classes=["sr-error"])
    return col


@solara.component
def ArrivalModes(session: Session, comp: jobs.Comparison, modes: Any, image: bytes) -> solara.Element:
    """Who bears the severe-injury risk (arrival modes) and what causes it (vehicle types), with CIs."""
    t = session.t
    lang = session.lang.value
    with solara.Column(gap="4px", classes=["sr-modes"]) as col:
        solara.Text(f"{t['fig_modes']} ({t['mean_ci']})", style={"font-weight": "bold"})
        with solara.Div(classes=["sr-figure", "sr-figure-modes"]):
            solara.Image(image, format="png")
        table(modecharts.mode_rows(comp, modes, lang=lang), classes=["sr-modes-table"])
        table(modecharts.vehicle_rows(comp, lang=lang), classes=["sr-vehicles-table"])
        solara.Text(t["ride_not_simulated"], style={"color": "#607d8b", "font-size": "12px"})
    return col


@solara.component
def ComparePage(session: Session) -> solara.Element:
    """Choose the scenarios and seeds, compare in worker processes, show the results."""
    t = session.t
    files = session.scenarios.value
    labels = {EDITED: f"{t['current_edit']}: {session.prepared.value.scenario.name}"} | {k: k for k in files}
    first = next(iter(files))
    baseline = solara.use_reactive(first)
    alternatives: Any = solara.use_reactive([])
    # the scenario being edited is an alternative unless the user says otherwise, once it differs
    edited_on: Any = solara.use_reactive(None)
    differs = session.prepared.value.data != state.mapping_of(files[baseline.value]) \
        if baseline.value in files else True
    use_edit = differs if edited_on.value is None else bool(edited_on.value)
    seeds = session.seeds
    holder: Any = solara.use_ref(None)

    def work(chosen: list[tuple[str, Scenario]], n: int) -> jobs.Comparison | None:
        task_ = holder.current

        def progress(done: int, total: int) -> None:
            task_.progress = 100.0 * done / max(total, 1)

        def stop() -> bool:
            return not task_.is_current()

        return jobs.compare(chosen, range(1, n + 1), progress=progress, cancelled=stop)

    task: Any = solara.lab.use_task(work, dependencies=None, raise_error=False)
    holder.current = task

    def go() -> None:
        picked = [k for k in [*alternatives.value, *([EDITED] if use_edit else [])] if k != baseline.value]
        if not picked:
            session.fail(t["need_two"])
            return
        n = whole_in(seeds.value, 1, MAX_SEEDS)
        if n is None:
            session.fail(t["bad_number"].format(t["seeds"], seeds.value, 1, MAX_SEEDS))
            return
        session.error.set("")
        task(chosen_scenarios(session, baseline.value, picked), n)

    def toggle(key: str, on: bool) -> None:
        if key == EDITED:
            edited_on.set(on)
            return
        rest = [k for k in alternatives.value if k != key]
        alternatives.set([*rest, key] if on else rest)

    with solara.Column(gap="10px", classes=["sr-compare"]) as col:
        with solara.Row(gap="24px", style={"align-items": "flex-start", "flex-wrap": "wrap"}):
            with solara.Column(gap="2px", style={"min-width": "300px"}):
                solara.Select(t["baseline"], values=list(labels.values()), value=labels[baseline.value],
                              on_value=lambda v: baseline.set(_key(labels, v)), classes=["sr-baseline"])
                solara.InputInt(t["seeds"], value=seeds, classes=["sr-seeds"])
            with solara.Column(gap="0px", classes=["sr-alternatives"]):
                solara.Text(t["alternatives"], style={"font-weight": "bold"})
                for key, label in labels.items():
                    if key != baseline.value:
                        on = use_edit if key == EDITED else key in alternatives.value
                        solara.Checkbox(label=label, value=on, style="margin: 0; padding: 0; height: 30px",
                                        on_value=_toggler(toggle, key))
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.Button(t["compare"], on_click=go, color="primary", disabled=task.pending,
                          classes=["sr-compare-run"])
            if task.pending:
                solara.Button(t["cancel"], on_click=task.cancel, outlined=True,
                              classes=["sr-compare-cancel"])
                done = task.progress or 0.0
                solara.Text(f"{t['comparing']}… {done:.0f}%", classes=["sr-compare-progress"])
        if task.pending:
            solara.ProgressLinear(task.progress if task.progress is not None else True)
        if task.error:
            solara.Error(one_line(task.exception), classes=["sr-error"])
        comp = task.latest
        if comp is not None:
            Results(session, comp).key(f"results-{id(comp)}")  # a new comparison: a new report button
    return col


def _toggler(toggle: Callable[[str, bool], None], key: str) -> Callable[[bool], None]:
    def on(value: bool) -> None:
        toggle(key, value)

    return on


def _key(labels: dict[str, str], shown: str) -> str:
    return next((k for k, v in labels.items() if v == shown), shown)


__all__ = ["EDITED", "ComparePage", "chosen_scenarios", "make_report", "report_builder"]
