"""The recommend page: guard posts, safe routes or measures for the site being edited, made into scenarios.

Each question runs ``saferoute recommend`` in a worker process
(:func:`simulator.ui.advice.recommend`) from the scenario being edited, with
the page's seeds, a progress bar and a Cancel button. Its tables and map are
shown, and one click adds a scenario holding the recommendation to the
scenarios the compare page offers.
"""

from __future__ import annotations

from typing import Any

import solara
import solara.lab

from simulator.errors import SaferouteError
from simulator.experiment import built_site
from simulator.intervals import noise_mark
from simulator.recommend.scenario import NAMES
from simulator.scenario import staff_types
from simulator.ui import advice, advicecharts, state
from simulator.ui.comparepage import table
from simulator.ui.context import MAX_SEEDS, Session, one_line, whole_in
from simulator.ui.texts import staff_names

OPTIONS = {"--staff": "rec_staff", "--hours": "rec_window", "--max-detour": "rec_detour",
           "--compliance": "rec_compliance", "--budget": "rec_budget", "--staff-type": "staff"}
"""The recommenders' command-line options and the labels of the page's fields that set them."""


def in_page_words(message: str, t: dict[str, str]) -> str:
    """A recommender's error with its option names replaced by the page's labels of those fields."""
    for option in sorted(OPTIONS, key=len, reverse=True):  # --staff-type before --staff
        if message.startswith(f"{option}:") and OPTIONS[option] in t:
            return t[OPTIONS[option]] + message[len(option):]
    return message


def unique_name(name: str, taken: Any) -> str:
    """``name``, or ``name (2)``, ``name (3)``… if the scenarios already hold it."""
    out, k = name, 1
    while out in taken:
        k += 1
        out = f"{name} ({k})"
    return out


@solara.component
def Options(session: Session, kind: str, values: dict[str, solara.Reactive[Any]]) -> solara.Element:
    """The options of one question, as ``saferoute recommend`` takes them."""
    t = session.t
    labels = staff_names(session.lang.value)
    with solara.Column(gap="0px", classes=[f"sr-rec-options-{kind}"]) as col:
        if kind == "guards":
            solara.InputInt(t["rec_staff"], value=values["staff"], classes=["sr-rec-staff"])
            solara.InputText(t["rec_window"], value=values["hours"], classes=["sr-rec-hours"])
            solara.Select(t["staff"], values=[labels.get(s, s) for s in staff_types()],
                          value=labels.get(values["staff_type"].value, values["staff_type"].value),
                          on_value=lambda v: values["staff_type"].set(
                              next((k for k, w in labels.items() if w == v), v)),
                          classes=["sr-rec-staff-type"])
        elif kind == "routes":
            solara.InputInt(t["rec_detour"], value=values["detour"], classes=["sr-rec-detour"])
            solara.InputInt(t["rec_compliance"], value=values["compliance"], classes=["sr-rec-compliance"])
        else:
            solara.InputFloat(t["rec_budget"], value=values["budget"], classes=["sr-rec-budget"])
    return col


@solara.component
def AdviceView(session: Session, found: advice.Advice) -> solara.Element:
    """A finished recommendation: its tables, its map, and the button that makes it a scenario."""
    t = session.t
    lang = session.lang.value
    kind = found.request.kind
    noise = noise_mark(lang)

    def draw() -> bytes:
        site, network = built_site(found.request.base, origin=advice.ORIGIN, cache=session.cache)
        return advicecharts.advice_map(found, site=site, network=network, lang=lang)

    image = solara.use_memo(draw, [id(found), lang])

    def make() -> None:
        try:
            name = unique_name(NAMES[kind], session.scenarios.value)
            scenario = found.scenario(name=name)
        except SaferouteError as exc:
            session.fail(exc)
            return
        session.scenarios.set({**session.scenarios.value, name: scenario})
        session.tell(f"{t['rec_added']}: {name}")

    with solara.Column(gap="8px", classes=["sr-rec-result", f"sr-rec-result-{kind}"]) as col:
        title = f"{t['results']}: {found.school} · {len(found.request.seeds)} {t['seeds_word']}"
        solara.Text(title, style={"font-weight": "bold"}, classes=["sr-rec-title"])
        if kind == "guards":
            if found.picks:
                table(advicecharts.guard_rows(found, lang=lang), classes=["sr-rec-table"], noise=noise)
            else:
                solara.Text(t["rec_no_posts"], classes=["sr-rec-empty"])
        elif kind == "routes":
            solara.Text(advicecharts.routes_sentence(found, lang=lang), classes=["sr-rec-share"])
            table(advicecharts.route_rows(found, lang=lang), classes=["sr-rec-table"], noise=noise)
        else:
            table(advicecharts.measure_rows(found, lang=lang), classes=["sr-rec-table"], noise=noise)
            solara.Text(t["rec_sets"], style={"font-weight": "bold"})
            rows = advicecharts.set_rows(found, lang=lang)
            if rows:
                table(rows, classes=["sr-rec-sets"], noise=noise)
            else:
                solara.Text(t["rec_no_set"], classes=["sr-rec-empty"])
        with solara.Column(gap="2px", classes=["sr-rec-notes"]):
            for line in advicecharts.notes(found, lang=lang):
                solara.Text(line, style={"color": "#607d8b", "font-size": "12px"})
        with solara.Row(gap="8px"):
            solara.Button(t["rec_make"], on_click=make, color="primary", disabled=not found.interventions,
                          classes=["sr-rec-make"])
        with solara.Div(classes=["sr-figure", "sr-rec-map"]):
            solara.Image(image, format="png", width="620px")
    return col


@solara.component
def RecommendPage(session: Session) -> solara.Element:
    """Choose a question and its options, run it in the background, show the answer."""
    t = session.t
    p = session.prepared.value
    kind = solara.use_reactive("guards")
    values: dict[str, solara.Reactive[Any]] = {
        "staff": solara.use_reactive(2), "hours": solara.use_reactive(state.DEFAULT_GUARD_HOURS),
        "staff_type": solara.use_reactive("auxiliary_police"), "detour": solara.use_reactive(20),
        "compliance": solara.use_reactive(60), "budget": solara.use_reactive(40.0),
    }
    holder: Any = solara.use_ref(None)
    done = solara.use_reactive(0)

    def work(request: advice.Request) -> advice.Advice | None:
        task_ = holder.current

        def progress(runs: int, planned: int) -> None:
            task_.progress = min(99.0, 100.0 * runs / max(planned, 1))
            done.set(runs)

        return advice.recommend(request, progress=progress, cancelled=lambda: not task_.is_current())

    task: Any = solara.lab.use_task(work, dependencies=None, raise_error=False)
    holder.current = task
    seeds = whole_in(session.seeds.value, 1, MAX_SEEDS)
    staff = whole_in(values["staff"].value, 1, 10_000)
    request = advice.Request(
        kind.value, p.scenario, tuple(range(1, (seeds or 1) + 1)), staff=staff or 1,
        hours=str(values["hours"].value).strip(), staff_type=values["staff_type"].value,
        max_detour=(values["detour"].value or 0) / 100, compliance=(values["compliance"].value or 0) / 100,
        budget=float(values["budget"].value or 0.0))

    def go() -> None:
        # the page's own words for a bad number, and nothing adjusted behind the user's back
        if seeds is None:
            session.fail(t["bad_number"].format(t["seeds"], session.seeds.value, 1, MAX_SEEDS))
            return
        if staff is None and kind.value == "guards":
            session.fail(t["bad_number"].format(t["rec_staff"], values["staff"].value, 1, 10_000))
            return
        session.error.set("")
        done.set(0)
        task(request)

    with solara.Column(gap="10px", classes=["sr-recommend"]) as col:
        with solara.Row(gap="24px", style={"align-items": "flex-start", "flex-wrap": "wrap"}):
            with solara.Column(gap="2px", style={"min-width": "320px"}):
                solara.Text(t["rec_base"], style={"font-weight": "bold"})
                base = f"{p.scenario.name} · {p.site.school.name} · {p.setting.n_children} {t['pupils']}"
                solara.Text(base, classes=["sr-rec-base"])
                with solara.Row(gap="4px", classes=["sr-rec-kind"]):
                    for k in advice.KINDS:
                        here = kind.value == k
                        solara.Button(t[f"rec_{k}"], on_click=lambda k=k: kind.set(k), small=True,
                                      color="primary" if here else None, outlined=not here,
                                      classes=[f"sr-rec-kind-{k}"])
                solara.InputInt(t["seeds"], value=session.seeds, classes=["sr-rec-seeds"])
                solara.Text(t["rec_planned"].format(request.planned_runs(), seeds),
                            style={"font-size": "12px", "color": "#607d8b"})
            Options(session, kind.value, values).key(f"options-{kind.value}")  # each its own inputs
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.Button(t["rec_run"], on_click=go, color="primary", disabled=task.pending,
                          classes=["sr-rec-run"])
            if task.pending:
                solara.Button(t["cancel"], on_click=task.cancel, outlined=True, classes=["sr-rec-cancel"])
                solara.Text(f"{t['rec_running']}… {done.value} {t['rec_runs']}", classes=["sr-rec-progress"])
        if task.pending:
            solara.ProgressLinear(task.progress if task.progress else True)
        if task.error:
            solara.Error(in_page_words(one_line(task.exception), t), classes=["sr-error"])
        found = task.latest
        if found is not None and not task.pending:
            AdviceView(session, found).key(f"advice-{id(found)}")
    return col


__all__ = ["RecommendPage", "unique_name"]
