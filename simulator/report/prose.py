"""The methods section in words: the models, what the figures mean and do not mean.

The text of each language is one block: ``## `` starts a heading, a blank line
ends a paragraph, and the lines of a paragraph are joined (without a space in
Chinese, with one in English). ``{seeds}``, ``{children}`` and ``{unsourced}``
are filled in by the report. The definitions of the run figures come from
:mod:`simulator.metric`.
"""

from __future__ import annotations

from simulator.metric import LANGS, METRICS
from simulator.report.texts import capitalised

_ZH = """
## 模型

路网：以道路中心线为基础，在每条道路两侧生成人行道，在路口生成转角，在每个路口进口道生成一条显式
的过街边。儿童只能在过街边上穿越机动车道，因此每次过街都被记录在某个过街点上（斑马线、信号灯、天
桥、地下通道等）。

儿童：每名儿童有年龄（6–12岁）、住址、出发时间、步行速度、是否由成人陪同、是否与兄弟姐妹或同伴同
行、耐心和路线。路线为从家到校门的最短步行路线；若有天桥或地下通道而绕行明显，部分儿童会在桥下平
面穿行。

机动车：每条车道的车辆按时变泊松过程到达（早高峰流量曲线），车速服从给定的85%位车速分布；同一随
机种子下，各情景面对的车流相同（共同随机数）。

路边决策：儿童按距离判断可穿越间隙（Connelly 等 1998），成人按时间判断（临界间隙 t_c = L/S_p + t
_s，HCM 2010）；司机礼让率取决于设施、车速和执法强度；信号灯路口按绿灯通行，等待超过耐心后可能闯
红灯；无信号路口等待过久时可能逐车道穿行（“中国式过马路”）；护学岗在岗时集合儿童、拦停车辆并护送
过街。

伤害风险：每种与车辆相遇的过街方式都有期望风险，按每条车道的泊松车流积分，而不是随机抽取的事故：
判断间隙的儿童会因判断误差接受过短的间隙；司机在儿童进入本车道后才发现，经反应、制动得到撞击速度；
儿童可能继续走、跑或后退；绿灯过街时会遇到闯红灯和转弯不让行的车辆；护学岗处有不服从指挥的司机和
不等待的儿童。撞击速度按同一来源 Tefft (2013) 的曲线求重伤（AIS 4+）和死亡概率。唯一按伤亡数据校准
的参数是 calibration.link；各项措施带来的变化是模型预测，而非拟合结果。

交通冲突：TTC < 1.5 秒、PET < 1 秒或所需减速度 DRAC > 3.4 米/秒²。服务水平：按 HCM 2010 行人延误
分级（无信号 A ≤ 5 秒 … F > 45 秒；信号 A ≤ 10 秒 … F > 60 秒）。

## 比较与置信区间

每个情景用相同的 {seeds} 个随机种子各模拟 {children} 名儿童的一个早高峰。与现状的差值逐个种子配
对计算（同样的儿童、住址、出发时间和车流），95%置信区间由配对差值按 t 分布求得。置信区间包含
 0 的变化标为“在随机误差内”：用现有的重复次数无法确定其方向，应增加种子数后再作决定。

过街点的数字是各种子的平均值：使用人次和冲突为每个早晨的平均值；该处预期重伤为每个早晨的平均值折算
为每10万人次（乘以 100,000 ÷ 儿童人数，与全校数值同一单位，各过街点之和即全校数值）；某个种子无人
使用计为 0。平均等待按使用人次加权，95%位等待为各早晨95%位数的平均，服务水平由平均等待得出。

“每人时降低的风险”= 重伤风险的减少（每10万人次）÷ 每个早晨护学岗的人时（人数 × 在岗小时 × 岗位数
）。“每秒延误降低的风险”= 重伤风险的减少 ÷ 平均上学时间的增加（秒，含等待、绕行和上下天桥）；上
学时间缩短或变化在随机误差内时不计算比值，分别注明“同时节省时间”或“无可测延误”。

## 这些数字意味着什么、不意味着什么

适合用来：比较同一所学校不同方案的相对效果，找出风险集中的过街点，判断护学岗和工程措施的优先次序
。

不适合用来：预测实际事故数。绝对风险水平是模型估计：伤害曲线来自成人研究（未找到儿童专用曲线），
车流量、车速和礼让率在没有实测数据时使用按道路等级的默认值；这些输入一旦有本地调查数据，应在情景
文件中替换。

下表列出每个参数的取值、来源和可信度（P 原文；A 摘要或官方概要；S 二手资料；D 由来源推导；U 未找
到公开数值，为假设）。可信度为 U 的 {unsourced} 个参数没有公开数值，其中包括护学岗的效果（司机服
从率、集合时间、护送速度）：涉及这些参数的结论应通过敏感性分析检验。
"""

_EN = """
## Models

Streets: sidewalks on both sides of every street, corners at junctions and an explicit crossing
edge across every junction leg. Children cross carriageways only on crossing edges, so every
crossing of every trip is counted at a crossing with its facility (zebra, signal, footbridge,
underpass ...).

Children: each child has an age (6–12), a home, a departure time, a walking speed, an escort or
not, a sibling or friend group, a patience and a route: the shortest walk from home to the gate;
where a footbridge or underpass means a long detour, some children cross at grade beneath it.

Traffic: vehicles arrive on each lane as a time-varying Poisson process (morning peak profile)
with speeds from the road's 85th-percentile speed; for one seed every scenario sees the same
vehicles (common random numbers).

Kerb decisions: children judge gaps by distance (Connelly et al. 1998), adults by time (critical
headway t_c = L/S_p + t_s, HCM 2010); drivers yield at a rate set by the facility, their speed
and enforcement; at signals children cross on green and may cross on red after their patience
runs out; at unsignalised roads an impatient child may cross lane by lane; a 护学岗 guard on
duty gathers children, stops traffic and escorts them across.

Injury risk: every way of crossing that meets vehicles carries an expected risk, integrated over
each lane's Poisson traffic rather than sampled: a child who judges gaps sometimes accepts one too
short (judgement error); a driver detects the child once it is in that lane, reacts and brakes;
the child walks on, runs or steps back; on the green man red-running and turning drivers remain;
at a 护学岗 some drivers ignore the guard and some children do not wait. The impact speed gives
the probability of severe injury (AIS 4+) and of death by the two curves of one source (Tefft
2013). Only calibration.link is fitted to casualty data; measures' effects are predictions.

Conflicts: TTC < 1.5 s, PET < 1 s or a deceleration needed (DRAC) > 3.4 m/s². Level of service:
HCM 2010 pedestrian delay bands (unsignalised A ≤ 5 s … F > 45 s; signalised A ≤ 10 s … F > 60
s).

## Comparisons and confidence intervals

Every scenario simulates {children} children on one morning peak for each of the same {seeds}
seeds. Changes from the baseline are paired seed by seed (the same children, homes, departures
and vehicles), and the 95% confidence interval comes from the paired differences (t
distribution). A change whose interval includes 0 is marked “within noise”: with these
replications its direction is not known; run more seeds before deciding on it.

Crossing figures average the seeds: uses and conflicts per morning; expected severe injuries
here per 100,000 trips, the school figure's unit (the mean per morning × 100,000 / children, so
the crossings add up to the school's figure); a seed in which nobody used a crossing counts as
0. The mean wait is weighted by uses, the 95th-percentile wait is the mean of each morning's
95th percentile, and the level of service comes from the mean wait.

“Risk reduction per staff-hour” = the fall in severe risk (per 100,000 trips) / guard
staff-hours per morning (staff × hours on duty × posts). “Per second of delay” = the fall in
severe risk / the rise in mean trip time (s, including waiting, detours and stairs); where trip
time falls or its change is within noise no ratio is given and the table says “also saves time”
or “no measurable delay”.

## What the figures mean and do not mean

Use them to compare measures for this school, to find where the risk concentrates and to rank
guard posts and street changes.

Do not read them as forecasts of injuries. Absolute risk levels are model estimates: the injury
curves are for adults (no child-specific curve was found), and traffic volumes, speeds and yield
rates are defaults by road class where no counts were given; replace them in the scenario files
when local surveys exist.

The table below lists every parameter with its value, source and confidence (P primary text; A
abstract or official summary; S secondary; D derived here; U no published value found: an
assumption). The {unsourced} U parameters include the effect of 护学岗 guards (drivers'
obedience, gathering time, escort speed): test conclusions that depend on them with a
sensitivity analysis.
"""



def methods(lang: str) -> list[tuple[str, list[str]]]:
    """The methods section of ``lang`` as (heading, paragraphs)."""
    joiner = "" if lang == "zh" else " "
    sections: list[tuple[str, list[str]]] = []
    paragraph: list[str] = []

    def close() -> None:
        if paragraph:
            sections[-1][1].append(joiner.join(paragraph))
            paragraph.clear()

    for line in (_ZH if lang == "zh" else _EN).strip().splitlines():
        if line.startswith("## "):
            close()
            sections.append((line[3:].strip(), []))
        elif not line.strip():
            close()
        else:
            paragraph.append(line.rstrip())
    close()
    return sections


def definitions(lang: str) -> tuple[str, list[str]]:
    """The section defining every run figure (from :mod:`simulator.metric`): one paragraph each."""
    if lang == "zh":
        return "各项指标的定义", [f"{m.label('zh')}：{m.definition.zh}" for m in METRICS.values()]
    return "What each figure is", [f"{capitalised(m.label('en'))}. {m.definition.en}"
                                   for m in METRICS.values()]


def _with_definitions(lang: str) -> list[tuple[str, list[str]]]:
    """The methods, the figures' definitions before the last section (which leads to the parameter table)."""
    sections = methods(lang)
    return [*sections[:-1], definitions(lang), sections[-1]]


METHODS = {lang: _with_definitions(lang) for lang in LANGS}
