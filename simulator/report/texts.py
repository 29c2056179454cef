"""The report's words in 简体中文 (default) and English: labels, headings, units, sentences.

The run figures' labels come from :mod:`simulator.metric` (the one registry).

Long explanations (the methods section) are in :mod:`simulator.report.prose`.
Sentences with numbers are templates filled by :mod:`simulator.report.content`
with already-formatted numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

from simulator import metric
from simulator.intervals import WITHIN_NOISE
from simulator.network.gatestreet import GATE, GATE_LANE

LANGS = metric.LANGS

SECTIONS: dict[str, dict[str, str]] = {
    "zh": {
        "summary": "摘要",
        "map": "学区地图与上学路线",
        "measures": "改善措施比较",
        "arrival": "到校方式与车辆类型",
        "crossings": "过街点详表",
        "delay": "延误与迟到",
        "methods": "方法与假设",
        "scenarios": "情景定义",
        "reproduce": "复现信息",
        "appendix": "附录：全部过街点",
    },
    "en": {
        "summary": "Summary",
        "map": "Catchment map and routes to school",
        "measures": "Measures compared",
        "arrival": "How pupils arrive, and which vehicles",
        "crossings": "Crossings in detail",
        "delay": "Delay and late arrivals",
        "methods": "Methods and assumptions",
        "scenarios": "Scenario definitions",
        "reproduce": "Reproducing this report",
        "appendix": "Appendix: every crossing",
    },
}

FACILITY: dict[str, dict[str, str]] = {
    "zh": {"unmarked": "无标线", "zebra": "斑马线", "raised": "抬高式斑马线", "signal": "信号灯",
           "refuge": "安全岛", "footbridge": "天桥", "underpass": "地下通道"},
    "en": {"unmarked": "unmarked", "zebra": "zebra", "raised": "raised zebra", "signal": "signal",
           "refuge": "refuge island", "footbridge": "footbridge", "underpass": "underpass"},
}

STAFF: dict[str, dict[str, str]] = {
    "zh": {"police": "交警", "auxiliary_police": "辅警", "teacher": "教师", "security": "保安",
           "volunteer": "家长志愿者"},
    "en": {"police": "traffic police", "auxiliary_police": "auxiliary police", "teacher": "teachers",
           "security": "security staff", "volunteer": "parent volunteers"},
}

HIGHWAY: dict[str, dict[str, str]] = {
    "zh": {"trunk": "快速路", "trunk_link": "快速路匝道", "primary": "主干路", "primary_link": "主干路连接线",
           "secondary": "次干路", "secondary_link": "次干路连接线", "tertiary": "支路",
           "tertiary_link": "支路连接线", "residential": "居住区道路", "unclassified": "其他道路",
           "living_street": "生活街道", "service": "服务道路"},
    "en": {},
}

METRICS: dict[str, dict[str, str]] = {lang: metric.labels(lang) for lang in LANGS}
"""Every run figure's label with its unit (from :data:`simulator.metric.METRICS`), by language."""
CHANGE_COLUMNS = {"d_severe": "severe_per_100k_trips", "d_conflicts": "conflicts_per_100_trips",
                  "d_wait": "wait_per_trip_s", "d_trip": "trip_time_mean_s", "d_late": "late_pct"}
"""The summary's table of changes: its column words and their figures, in column order."""

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "上学路线安全报告",
        "school": "学校",
        "site": "路网",
        "generated": "生成于",
        "results": "结果目录",
        "software": "软件版本",
        "seeds": "重复模拟次数（随机种子）",
        "baseline": "现状",
        "scenario": "情景",
        "measure": "措施",
        "code": "编号",
        "within_noise": WITHIN_NOISE.zh,
        "noise_note": "灰色 † = 在随机误差内：95%置信区间包含0，不能确定该变化不是随机波动。",
        "ci": "95%置信区间",
        "none": "—",
        "unnamed": "无名道路",
        "crossing": "过街点",
        "road": "道路",
        "facility": "设施",
        "lanes": "车道数",
        "speed": "车速85%位（km/h）",
        "volume": "高峰流量（辆/时）",
        "uses": "使用（人次/早）",
        "wait_mean": "平均等待（秒）",
        "wait_p95": "95%位等待（秒）",
        "los": "HCM行人服务水平",
        "conflicts": "冲突（次/早）",
        "severe": "预期重伤（每10万人次，该处）",
        "share": "占总风险",
        "guarded": "护学岗",
        "yes": "有",
        "staff_hours": "护学岗人时/早",
        "per_staff_hour": "每人时降低的重伤风险",
        "per_delay": "每秒延误降低的重伤风险",
        "saves_time": "同时节省时间",
        "no_delay": "无可测延误",
        "mean": "均值",
        "key": "参数",
        "value": "取值",
        "unit": "单位",
        "conf": "可信度",
        "source": "来源",
        "no_value": "无公开数值",
        "yaml": "情景文件（YAML）",
        "interventions": "措施内容",
        "no_interventions": "无措施（现状）",
        "description": "说明",
        "fig": "图",
        "table": "表",
        "crossings_count": "个过街点",
        "page_of": "页",
        "changed_note": "加粗：该情景改变了此过街点（设施或护学岗）。",
        "mixed_note": "*该情景除护学岗外还有其他措施，比值把全部效果都算在护学岗上，会高估护学岗的作用。",
    },
    "en": {
        "title": "School-route safety report",
        "school": "School",
        "site": "Street network",
        "generated": "Generated",
        "results": "Results folder",
        "software": "Software",
        "seeds": "Replications (seeds)",
        "baseline": "today",
        "scenario": "Scenario",
        "measure": "Measure",
        "code": "Code",
        "within_noise": WITHIN_NOISE.en,
        "noise_note": "Grey † = within noise: the 95% confidence interval includes 0, so the change "
                      "cannot be told apart from chance.",
        "ci": "95% CI",
        "none": "—",
        "unnamed": "unnamed road",
        "crossing": "Crossing",
        "road": "Road",
        "facility": "Facility",
        "lanes": "Lanes",
        "speed": "85th pct speed (km/h)",
        "volume": "Peak volume (veh/h)",
        "uses": "Uses per morning",
        "wait_mean": "Mean wait (s)",
        "wait_p95": "95th pct wait (s)",
        "los": "HCM ped. LOS",
        "conflicts": "Conflicts per morning",
        "severe": "Expected severe injuries here per 100,000 trips",
        "share": "Share of risk",
        "guarded": "Guard",
        "yes": "yes",
        "staff_hours": "Guard staff-hours per morning",
        "per_staff_hour": "Risk reduction per staff-hour",
        "per_delay": "Risk reduction per second of delay",
        "saves_time": "also saves time",
        "no_delay": "no measurable delay",
        "mean": "mean",
        "key": "Parameter",
        "value": "Value",
        "unit": "Unit",
        "conf": "Conf.",
        "source": "Source",
        "no_value": "no published value",
        "yaml": "Scenario file (YAML)",
        "interventions": "Measures",
        "no_interventions": "no measures (today's streets)",
        "description": "Description",
        "fig": "Figure",
        "table": "Table",
        "crossings_count": "crossings",
        "page_of": "page",
        "changed_note": "Bold: the scenario changes this crossing (facility or guard post).",
        "mixed_note": "*The scenario has other measures besides guard posts: the ratio credits the guards "
                      "with all of its effect and so overstates them.",
    },
}


def words(lang: str) -> Mapping[str, str]:
    """Every label of :data:`WORDS`, the section titles and the change columns' headings, in ``lang``."""
    changes = {word: capitalised(metric.METRICS[key].change_label(lang))
               for word, key in CHANGE_COLUMNS.items()}
    return {**WORDS[lang], **{f"sec_{k}": v for k, v in SECTIONS[lang].items()}, **changes}


def capitalised(text: str) -> str:
    """``text`` with its first letter in upper case (the rest as it is)."""
    return text[:1].upper() + text[1:]


def facility_name(facility: str, lang: str) -> str:
    """A crossing facility in words (天桥, 地下通道, 斑马线, 信号灯 ...)."""
    return FACILITY[lang].get(facility, facility)


def highway_name(highway: str, lang: str) -> str:
    """An OSM road class in words (主干路, 次干路 ... in Chinese; the OSM value in English)."""
    return HIGHWAY[lang].get(highway, highway.replace("_", " "))


def road_name(road: str, lang: str) -> str:
    """The crossed street's name, or "unnamed road" (无名道路)."""
    return road if road and road != "nan" else WORDS[lang]["unnamed"]


GATE_PLACES: dict[str, dict[str, str]] = {
    "zh": {GATE: "校门前", GATE_LANE: "校门前最右侧车道"},
    "en": {GATE: "at the gate", GATE_LANE: "kerb lane at the gate"},
}
"""Words for the two crossings every school has at its gate (:mod:`simulator.gate`)."""


def crossing_place(cid: str, lang: str) -> str:
    """Where a crossing is, in words, when its id says nothing to a reader ("校门前"); else ""."""
    return GATE_PLACES[lang].get(cid, "")


def crossing_name(cid: str, road: str, lang: str) -> str:
    """A crossing named in words: its street, and at the gate where it is one of the gate's crossings.

    ``gate``: "校门前 学府路" / "学府路 at the gate"; ``gate-lane``: "校门前最右侧车道（学府路）" /
    "kerb lane at the gate (学府路)"; any other: the street (:func:`road_name`).
    """
    street = road_name(road, lang)
    place = crossing_place(cid, lang)
    if not place:
        return street
    if cid == GATE:
        return f"{place} {street}" if lang == "zh" else f"{street} {place}"
    return f"{place}（{street}）" if lang == "zh" else f"{place} ({street})"


def scenario_label(name: str, lang: str) -> str:
    """A scenario's name in one language when it is written in both ("护学岗 Guard posts").

    The Chinese part runs to the last Chinese character, the English part is
    the rest; a name in one language only is returned whole. A batch grid's
    suffix ("措施 Measures [speed_limit_kmh=30]") is kept in both languages.
    """
    base, bracket, grid = name.partition(" [")
    if bracket and grid.endswith("]"):
        return f"{scenario_label(base, lang)} [{grid}"
    last = max((i for i, ch in enumerate(name) if _is_cjk(ch)), default=-1)
    if last < 0 or last == len(name) - 1:
        return name
    zh, en = name[: last + 1].strip(), name[last + 1 :].strip()
    if not en or not any(ch.isalpha() for ch in en):
        return name
    return zh if lang == "zh" else en


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


FIGURE: dict[str, dict[str, str]] = {
    "zh": {
        "east": "距学校东向（米）",
        "north": "距学校北向（米）",
        "route_use": "走这段路的儿童（人/早）",
        "risk": "预期重伤（每10万人次，该处）",
        "school": "学校",
        "homes": "住宅（儿童出发点）",
        "unused": "无人使用的过街点",
        "guard": "护学岗",
        "catchment_title": "现状：上学路线（线宽与颜色=儿童人数）和过街点风险（颜色）",
        "measures_title": "各情景措施的位置（S1、S2 …见表）",
        "zone": "限速",
        "humps": "减速带",
        "dropoff": "禁停",
        "lanes": "缩减车道",
        "volume": "流量",
        "trip_min": "上学时间（分钟）",
        "box_note": "箱体：25%–75%；须线：5%–95%；竖线：中位数",
        "ci_note": "点：均值；横线：95%置信区间；空心灰点：在随机误差内",
        "safer": "← 更安全",
        "faster": "← 更快",
        "top": "风险排名",
        "published": "推荐上学路线",
        "published_title": "推荐上学路线（绿色虚线）与儿童实际路线（蓝色）",
        "mode_pupils": "学生比例（%）",
        "mode_risk": "占预期重伤风险的比例（%）",
        "modes_note": "条形：各随机种子的均值；细线：95%置信区间",
    },
    "en": {
        "east": "metres east of the school",
        "north": "metres north of the school",
        "route_use": "children walking this stretch (per morning)",
        "risk": "expected severe injuries here per 100,000 trips",
        "school": "school",
        "homes": "homes (where children start)",
        "unused": "crossings nobody used",
        "guard": "guard post (护学岗)",
        "catchment_title": "Today: routes to school (width and colour = children) and crossing risk (colour)",
        "measures_title": "Where each scenario acts (S1, S2 … see the table)",
        "zone": "limit",
        "humps": "humps",
        "dropoff": "no drop-off",
        "lanes": "fewer lanes",
        "volume": "volume",
        "trip_min": "trip time (min)",
        "box_note": "box: 25th–75th percentile; whiskers: 5th–95th; line: median",
        "ci_note": "dot: mean; bar: 95% confidence interval; hollow grey: within noise",
        "safer": "← safer",
        "faster": "← faster",
        "top": "risk rank",
        "published": "recommended routes",
        "published_title": "recommended routes (green dashes) and the routes children take (blue)",
        "mode_pupils": "share of pupils (%)",
        "mode_risk": "share of the expected severe injuries (%)",
        "modes_note": "bar: mean over seeds; line: 95% confidence interval",
    },
}

MODE: dict[str, dict[str, str]] = {
    "zh": {"walk_alone": "独自步行", "walk_escorted": "家长陪同步行", "ebike": "家长电动自行车接送",
           "car": "小汽车接送", "bus": "公交车（下车后步行）", "school_bus": "校车"},
    "en": {"walk_alone": "walking alone", "walk_escorted": "walking with an adult",
           "ebike": "pillion on a parent's e-bike", "car": "driven by car",
           "bus": "public bus (then walking from the stop)", "school_bus": "school bus"},
}
"""Arrival modes (the ``arrival_mode`` column of ``trips.csv``) in words."""


def mode_name(mode: str, lang: str) -> str:
    """An arrival mode in words (独自步行, 家长电动自行车接送 ...)."""
    return MODE[lang].get(mode, mode.replace("_", " "))
