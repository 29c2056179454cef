"""Every label of the page in 简体中文 and English (figures use the same texts).

The run figures' labels are those of :mod:`simulator.metric`, the report's too.
"""

from __future__ import annotations

from collections.abc import Mapping

from simulator.intervals import WITHIN_NOISE
from simulator.metric import LANGS, ParameterLookup, calibration_note, labels, per_year_note

_TEXTS: dict[str, tuple[str, str]] = {
    # key: (简体中文, English)
    "title": ("上学路线安全模拟", "Safe route to school"),
    "tab_map": ("地图与编辑", "Map & edit"),
    "tab_compare": ("方案比较", "Compare"),
    "language": ("English", "中文"),
    "district": ("示例城区（默认）", "Example district (default)"),
    "site": ("地图", "Map"),
    "school": ("学校", "School"),
    "scenario": ("方案", "Scenario"),
    "scenario_name": ("方案名称", "Scenario name"),
    "edited": ("（修改）", " (edited)"),
    "upload_scenario": ("载入方案文件 (YAML)", "Load a scenario file (YAML)"),
    "upload_map": ("载入地图 (OSM / GraphML)", "Load a map (OSM / GraphML)"),
    "drop_here": ("拖放文件到此处或点击选择", "Drop a file here or click to choose"),
    "loaded": ("已载入", "Loaded"),
    "run": ("运行一次", "Run once"),
    "running": ("正在模拟…", "Simulating…"),
    "play": ("播放", "Play"),
    "pause": ("暂停", "Pause"),
    "step": ("单步", "Step"),
    "speed": ("速度", "Speed"),
    "clock": ("时间", "Time"),
    "children_walking": ("路上的学生", "children on the way"),
    "colour_by": ("颜色", "Colour"),
    "by_facility": ("按设施", "by facility"),
    "by_risk": ("按风险", "by risk"),
    "draw_zone": ("画区域", "Draw zone"),
    "dot_walk": ("步行中", "walking"),
    "dot_wait": ("路边等待", "waiting at the kerb"),
    "dot_cross": ("过马路", "crossing"),
    "press_run": ("按“运行一次”查看学生上学过程。", "Press “Run once” to see the children walk to school."),
    "hint_map": ("点击过街处可修改设施或设置护学岗；点击道路可限速；拖动平移，滚轮缩放。",
                 "Click a crossing to change it or post a guard; click a street for a speed limit; "
                 "drag to pan, wheel to zoom."),
    # crossing facts
    "crossing": ("过街处", "Crossing"),
    "facility": ("设施", "Facility"),
    "road": ("道路", "Road"),
    "lanes": ("车道", "Lanes"),
    "length": ("长度", "Length"),
    "speed_limit": ("限速", "Speed limit"),
    "p85": ("85%车速", "85th-pct speed"),
    "volume": ("流量", "Volume"),
    "uses": ("使用人次", "Uses"),
    "mean_wait": ("平均等待", "Mean wait"),
    "conflicts": ("冲突", "Conflicts"),
    "risk": ("该处预期重伤（每10万人次）", "Expected severe injuries here (per 100,000 trips)"),
    "deaths": ("该处预期死亡（每10万人次）", "Expected deaths here (per 100,000 trips)"),
    "no_run": ("（运行后显示）", "(after a run)"),
    # editing
    "edit_crossing": ("修改过街处", "Edit crossing"),
    "guard_post": ("护学岗", "Guard post (护学岗)"),
    "add_guard": ("设置护学岗", "Add guard post"),
    "remove_guard": ("取消护学岗", "Remove guard post"),
    "hours": ("时段", "Hours"),
    "staff": ("人员", "Staff"),
    "count": ("人数", "Count"),
    "apply": ("应用", "Apply"),
    "close": ("关闭", "Close"),
    "street": ("道路", "Street"),
    "edit_street": ("道路限速与减速带", "Street speed limit and humps"),
    "limit_kmh": ("限速 (km/h，0 = 不变)", "Speed limit (km/h, 0 = unchanged)"),
    "humps": ("减速带", "Speed humps"),
    "only_hours": ("仅在时段内 (如 07:00-08:30，留空 = 全天)",
                   "Only during (e.g. 07:00-08:30, empty = all day)"),
    "zone": ("区域", "Zone"),
    "new_zone": ("新区域", "New zone"),
    "radius": ("半径 (m)", "Radius (m)"),
    "remove": ("删除", "Remove"),
    "rules": ("全校规则", "School-wide rules"),
    "enforcement": ("执法力度（司机礼让）", "Enforcement (drivers yielding)"),
    "dropoff": ("校门口禁止停车接送", "No drop-off near the gate"),
    "dropoff_radius": ("禁停半径 (m)", "No-drop-off radius (m)"),
    "changes": ("修改内容", "Changes"),
    "no_changes": ("尚无修改。", "No changes yet."),
    "yaml": ("方案文件 (YAML)", "Scenario file (YAML)"),
    "download": ("下载方案文件", "Download scenario file"),
    "save": ("保存到文件夹", "Save to folder"),
    "saved": ("已保存", "Saved"),
    "folder": ("工作文件夹", "Work folder"),
    "reset": ("撤销全部修改", "Undo all changes"),
    # compare
    "baseline": ("基准方案", "Baseline"),
    "alternatives": ("比较方案", "Alternatives"),
    "current_edit": ("当前编辑的方案", "The scenario being edited"),
    "seeds": ("重复次数 (随机种子)", "Replications (seeds)"),
    "compare": ("开始比较", "Compare"),
    "cancel": ("取消", "Cancel"),
    "comparing": ("正在比较", "Comparing"),
    "runs_done": ("次运行完成", "runs done"),
    "results": ("结果", "Results"),
    "metric": ("指标", "Figure"),
    "mean_ci": ("均值 [95% 置信区间]", "mean [95% CI]"),
    "change": ("相对基准的变化 [95% 置信区间]", "change vs baseline [95% CI]"),
    "within_noise": (f"（{WITHIN_NOISE.zh}）", f"({WITHIN_NOISE.en})"),
    "significant": ("（显著）", "(real)"),
    "delta": ("变化 [95% 置信区间]", "change [95% CI]"),
    "vs": ("对比", "vs"),
    "noise_list": ("以下变化在随机误差内，这些模拟次数不能说明有差别：{}。",
                   "within noise — these replications do not show a difference in: {}."),
    "no_noise": ("所有主要指标的变化都超出随机误差。", "every headline change is beyond the noise."),
    "real_list": ("确有变化：{}。", "Real changes: {}."),
    "seed": ("随机种子", "seed"),
    "seeds_word": ("个随机种子", "seeds"),
    "noise_note": ("95% 置信区间包含 0 的变化在随机误差内：这些次数的模拟不能说明方案有差别。",
                   "A change whose 95% interval includes 0 is within noise: these replications do not "
                   "show a difference."),
    "hotspots": ("危险过街处（按重伤风险）", "Hot spots (by severe-injury risk)"),
    "fig_risk": ("风险与冲突", "Risk and conflicts"),
    "fig_delay": ("等待时间分布", "Delay distribution"),
    "fig_maps": ("各方案过街风险地图", "Crossing risk by scenario"),
    "report": ("下载上学路线安全报告", "Download the school-route report"),
    "report_missing": ("报告模块尚未安装。", "The report module is not available yet."),
    "need_two": ("请选择至少一个比较方案。", "Choose at least one alternative."),
    "error": ("错误", "Error"),
    "children_share": ("学生比例", "share of children"),
    # more levers
    "road_levers": ("车道与流量", "Lanes and traffic"),
    "lanes_per_direction": ("每方向车道数（条，0 = 不变）", "Lanes per direction (0 = unchanged)"),
    "vph": ("高峰流量（辆/时，每方向；0 = 估计值）", "Peak volume (veh/h each direction; 0 = estimated)"),
    "vph_other": ("另一方向流量（辆/时；0 = 同上）", "Other direction (veh/h; 0 = the same)"),
    "school_levers": ("学生、教育与错峰上学", "Children, education, start times"),
    "children_count": ("学生人数（人）", "Children (pupils)"),
    "pupils": ("名学生", "children"),
    "education": ("接受交通安全教育的学生（%）", "Children given road-safety education (%)"),
    "staggered": ("错峰上学", "Staggered start (错峰上学)"),
    "stagger_bell": ("这些学生的上课时间 (HH:MM)", "Their bell (HH:MM)"),
    "stagger_ages": ("适用年龄（岁，不选 = 全部）", "For ages (years; none chosen = all)"),
    "arrival_levers": ("到校方式与校门", "How pupils arrive, and the gate"),
    "kiss_and_ride": ("即停即走区（校门一侧限时停车，对侧禁止停车）",
                      "Kiss-and-ride zone (即停即走: short stops on the school's side, none opposite)"),
    "kiss_length": ("即停即走区长度（米）", "Kiss-and-ride kerb length (m)"),
    "ebike_parking": ("电动自行车停放区（家长停车后步行送孩子进校）",
                      "E-bike parking (parents park and walk their children in)"),
    "ebike_walk": ("停放区到校门的距离（米）", "From the parking to the gate (m)"),
    "school_bus": ("校车接送的学生（%，占原由家长开车或骑电动自行车接送的；0 = 无校车）",
                   "School bus (% of the pupils otherwise driven or on e-bikes; 0 = none)"),
    "school_bus_stop": ("校车停靠点", "School-bus stop"),
    "stop_gate": ("校门", "the gate"),
    "walk_d50": ("一半学生步行上学的距离（千米；留空 = 默认）",
                 "Distance at which half the pupils walk (km; empty = default)"),
    "ride_not_simulated": ("只模拟步行部分：乘电动自行车、小汽车或公交车的路程本身不在风险之内。",
                           "Only the walk is simulated: the ride itself (e-bike, car, bus) is not in "
                           "the risk."),
    "bad_decimal": ("{}：{} 不允许（允许 {}–{} 的数）", "{}: {} is not allowed (allowed: a number {}–{})"),
    "fig_modes": ("到校方式与车辆类型：重伤风险由谁承担、由谁造成",
                  "Arrival modes and vehicles: who bears the severe-injury risk, and what causes it"),
    "mode": ("到校方式", "Arrival mode"),
    "pupils_pct": ("学生比例（%）", "Pupils (%)"),
    "risk_share_pct": ("占预期重伤风险（%）", "Share of expected severe injuries (%)"),
    "mode_severe": ("该方式预期重伤（每10万人次）",
                    "Expected severe injuries per 100,000 trips of this mode"),
    "vehicle_type": ("车辆类型", "Vehicle type"),
    "twowheelers": ("电动自行车和自行车", "e-bikes and bicycles"),
    "motor_vehicles": ("机动车", "motor vehicles"),
    "caused_pct": ("造成的重伤风险比例（%）", "Share of the severe-injury risk caused (%)"),
    # recommend
    "tab_recommend": ("推荐", "Recommend"),
    "rec_guards": ("护学岗设在哪里", "Where to post guards (护学岗)"),
    "rec_routes": ("推荐上学路线", "Safe routes to publish (上学路线图)"),
    "rec_measures": ("优先投资哪些措施", "Which measures to fund"),
    "rec_base": ("起点：当前编辑的方案", "Starting from the scenario being edited"),
    "rec_staff": ("护学岗人数 K（每岗 1 人）", "Guards K (one per post)"),
    "rec_window": ("可安排的时段 (HH:MM-HH:MM)", "Window the posts may cover (HH:MM-HH:MM)"),
    "rec_detour": ("最多多走 (%)", "Longest detour allowed (%)"),
    "rec_compliance": ("遵从的学生 (%)", "Children who follow the routes (%)"),
    "rec_budget": ("预算（万元）", "Budget (10k CNY, 万元)"),
    "rec_run": ("开始推荐", "Recommend"),
    "rec_running": ("正在推荐", "Recommending"),
    "rec_planned": ("预计约 {} 次模拟（{} 个随机种子，与“方案比较”相同）",
                    "about {} runs ({} seeds, as on the Compare page)"),
    "rec_runs": ("次模拟完成", "runs done"),
    "bad_number": ("{}：{} 不允许（允许 {}–{} 的整数）",
                   "{}: {} is not allowed (allowed: a whole number {}–{})"),
    "rec_make": ("生成方案", "Make scenario"),
    "rec_added": ("已加入方案列表，可在“方案比较”中选用",
                  "Added to the scenarios: choose it on the Compare page"),
    "rec_no_posts": ("没有哪个岗位能明显降低风险。", "No post lowered the risk measurably."),
    "rec_change": ("风险变化（每10万人次重伤）[95% 置信区间]",
                   "Risk change (severe injuries per 100,000 trips) [95% CI]"),
    "rec_cumulative": ("累计变化（每10万人次重伤）", "Cumulative change (severe per 100,000 trips)"),
    "rec_per_staff_hour": ("每人时降低（每10万人次重伤）",
                           "Reduction per staff-hour (severe per 100,000 trips)"),
    "rec_staff_hours": ("在岗时长（小时）", "On duty (h)"),
    "rec_share": ("{:.1f}% 的学生获得更安全的路线（最多多走 {:.0f}%），{:.0f}% 的学生遵从时：",
                  "{:.1f}% of the children get a safer route (at most +{:.0f}% walking); "
                  "when {:.0f}% follow it:"),
    "rec_figure_change": ("变化 [95% 置信区间]", "Change [95% CI]"),
    "rec_measure": ("措施", "Measure"),
    "rec_cost": ("费用（万元）", "Cost (10k CNY)"),
    "rec_wait_change": ("等待变化（秒/次）", "Wait change (s per trip)"),
    "rec_per_cost": ("每万元降低（每10万人次重伤）", "Reduction per 10k CNY (severe per 100,000 trips)"),
    "rec_sets": ("预算内的最佳组合（模拟验证）", "Best sets within the budget (simulated)"),
    "rec_set": ("组合", "Set"),
    "rec_estimated": ("估计变化（单项之和）", "Estimated change (sum of the singles)"),
    "rec_no_set": ("预算内没有能降低风险的组合。", "No affordable set lowered the risk."),
    "rec_gate": ("校门周边", "around the gate"),
    "rec_map": ("推荐在地图上", "The recommendation on the map"),
    "rec_title_guards": ("推荐护学岗", "recommended guard posts"),
    "rec_title_routes": ("推荐上学路线图", "recommended routes"),
    "rec_title_measures": ("预算内最佳措施组合", "best set of measures within the budget"),
    "rec_how_guards": ("逐个增加护学岗，每一步用相同随机种子配对模拟验证；风险变化为负表示更安全。",
                       "Posts are added one at a time, each verified by paired simulation with the same "
                       "seeds; a negative change is safer."),
    "rec_how_routes": ("每户选择风险最低且绕行不超过上限的路线；再模拟部分学生按推荐路线走的效果。",
                       "Each home gets its least risky route within the detour bound; then the "
                       "scenario where a share of children follows them is simulated."),
    "rec_how_measures": ("单项措施按每万元降低的风险排序；预算内最好的几个组合再模拟验证。",
                         "Single measures ranked by risk reduction per 10k CNY; the best affordable "
                         "sets are then simulated."),
}

MEASURE_NAMES: dict[str, tuple[str, str]] = {
    "guard": ("护学岗", "guard post"),
    "school_zone": ("30 km/h 学校区域", "30 km/h school zone"),
    "humps": ("学校区域减速带", "speed humps in the school zone"),
}

FACILITY_NAMES: dict[str, tuple[str, str]] = {
    "unmarked": ("无标线", "unmarked"),
    "zebra": ("斑马线", "zebra"),
    "raised": ("抬高式斑马线", "raised zebra"),
    "signal": ("信号灯", "signal"),
    "refuge": ("安全岛", "refuge island"),
    "footbridge": ("天桥", "footbridge"),
    "underpass": ("地下通道", "underpass"),
    "informal": ("天桥下违规穿行", "at grade under a bridge"),
}

STAFF_NAMES: dict[str, tuple[str, str]] = {
    "police": ("交警", "police"),
    "auxiliary_police": ("辅警", "auxiliary police"),
    "teacher": ("教师", "teacher"),
    "security": ("保安", "security guard"),
    "volunteer": ("家长志愿者", "parent volunteer"),
}

ENFORCEMENT_NAMES: dict[str, tuple[str, str]] = {
    "none": ("无", "none"),
    "normal": ("一般", "normal"),
    "strong": ("严格", "strong"),
}

def _pick(table: Mapping[str, tuple[str, str]], lang: str) -> dict[str, str]:
    i = LANGS.index(lang) if lang in LANGS else 0
    return {key: pair[i] for key, pair in table.items()}


def texts(lang: str) -> dict[str, str]:
    """Every page label in ``lang`` (``zh`` or ``en``)."""
    return _pick(_TEXTS, lang)


def facility_names(lang: str) -> dict[str, str]:
    """Crossing facility names in ``lang``."""
    return _pick(FACILITY_NAMES, lang)


def staff_names(lang: str) -> dict[str, str]:
    """Guard staff types in ``lang``."""
    return _pick(STAFF_NAMES, lang)


def enforcement_names(lang: str) -> dict[str, str]:
    """Enforcement levels in ``lang``."""
    return _pick(ENFORCEMENT_NAMES, lang)


def measure_names(lang: str) -> dict[str, str]:
    """Names of the kinds of measures on the recommendation's menu (facilities and the rest) in ``lang``."""
    return facility_names(lang) | _pick(MEASURE_NAMES, lang)


def metric_names(lang: str) -> dict[str, str]:
    """Every run figure's label with its unit in ``lang`` (from :mod:`simulator.metric`, as in the report)."""
    return labels(lang if lang in LANGS else LANGS[0])


def risk_notes(params: ParameterLookup, lang: str) -> list[str]:
    """How the casualties a year are made, and how the risk is calibrated and how uncertain it is.

    The sentences of :func:`simulator.metric.per_year_note` and
    :func:`simulator.metric.calibration_note` (as on the command line and in the
    report), from the parameter table the figures were computed with.
    """
    lang = lang if lang in LANGS else LANGS[0]
    return [per_year_note(params, lang), calibration_note(params, lang)]
