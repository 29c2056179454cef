"""School-wide interventions: 护学岗 guards, drop-off ban, education, start times, route maps."""

from __future__ import annotations

from dataclasses import replace

from simulator.hazard import crossing_hazards
from simulator.routing import recommended_routes
from simulator.scenario.apply.draft import Draft
from simulator.scenario.apply.kind import Kind
from simulator.scenario.apply.words import Words, sentence
from simulator.scenario.interventions import DropoffBan, Education, GuardPost, RecommendedRoutes, StartTime
from simulator.setting import GuardPost as Post  # the runtime post: one crossing, model seconds
from simulator.setting import Setting


def apply_guard(change: GuardPost, draft: Draft) -> None:
    """One runtime post per crossing, its hours in model seconds."""
    a, b = change.hours.seconds()
    draft.guards.extend(Post(cid, a - draft.start, b - draft.start, change.staff, change.count,
                             change.clear_parking)
                        for cid in draft.acts_on(change))


def describe_guard(change: GuardPost, words: Words) -> str:
    """护学岗 07:10-08:30，每岗辅警 2 名：... / 护学岗 guard post 07:10-08:30, 2 ... per post: ..."""
    staff = words.staff_name(change.staff)
    at = words.place(change)
    if words.zh:
        clear = "，清理路边停车" if change.clear_parking else ""
        return f"护学岗 {change.hours}，每岗{staff} {change.count} 名{clear}：{at}"
    clear = ", kerbs kept clear of parking" if change.clear_parking else ""
    return f"护学岗 guard post {change.hours}, {change.count} {staff} per post{clear}: {at}"


GUARD = Kind(GuardPost, apply_guard, describe_guard)


def apply_dropoff_ban(change: DropoffBan, draft: Draft) -> None:
    """No drop-off within the radius (the widest given wins)."""
    draft.dropoff_ban = max(draft.dropoff_ban, change.radius_m)


DROPOFF_BAN = Kind(DropoffBan, apply_dropoff_ban, sentence(
    "禁止停车接送：校门 {radius_m:g} 米内家长不得停车",
    "no drop-off within {radius_m:g} m of the gate: children walk from the ban's edge"))


def apply_education(change: Education, draft: Draft) -> None:
    """Education for a share of the children (the largest given wins)."""
    draft.education_share = max(draft.education_share, change.share)


def describe_education(change: Education, words: Words) -> str:
    """交通安全教育：100% 的儿童 / road-safety education for 100% of the children"""
    return (f"交通安全教育：{100 * change.share:g}% 的儿童" if words.zh
            else f"road-safety education for {100 * change.share:g}% of the children")


EDUCATION = Kind(Education, apply_education, describe_education)


def apply_start_time(change: StartTime, draft: Draft) -> None:
    """The bell for the ages named, or for every age the school takes."""
    youngest, oldest = draft.params["school.ages"]
    for age in change.ages or range(youngest, oldest + 1):
        draft.bell_by_age[age] = change.bell


def describe_start_time(change: StartTime, words: Words) -> str:
    """错峰上学：10, 11, 12 岁儿童 08:00 上课 / staggered start: bell at 08:00 for ages 10, 11, 12"""
    ages = ", ".join(str(a) for a in change.ages) if change.ages else ""
    if words.zh:
        who = f"{ages} 岁儿童" if ages else "全部儿童"
        return f"错峰上学：{who} {change.bell} 上课"
    return f"staggered start: bell at {change.bell} for " + (f"ages {ages}" if ages else "all ages")


START_TIME = Kind(StartTime, apply_start_time, describe_start_time)


def apply_recommended_routes(change: RecommendedRoutes, draft: Draft) -> None:
    """Once the setting is prepared: each home's lowest-risk route, followed by a share."""
    params = draft.params

    def publish(setting: Setting) -> Setting:
        hazard = crossing_hazards(setting)
        routes = recommended_routes(setting.network, dict(setting.routes), hazard, params=params,
                                    max_detour=change.max_detour)
        return replace(setting, routes=routes, follow_share=change.compliance)

    draft.finish.append(publish)


def describe_recommended_routes(change: RecommendedRoutes, words: Words) -> str:
    """上学路线图：... / recommended routes (上学路线图): ..."""
    detour, share = f"{100 * change.max_detour:g}%", f"{100 * change.compliance:g}%"
    if words.zh:
        return f"上学路线图：为每户推荐绕行不超过 {detour} 的最低风险路线，{share} 的儿童按推荐路线走"
    return (f"recommended routes (上学路线图): each home's lowest-risk route at most {detour} longer, "
            f"followed by {share} of children")


RECOMMENDED_ROUTES = Kind(RecommendedRoutes, apply_recommended_routes, describe_recommended_routes)
