"""The city overview's words in 简体中文 (default) and English: headings, column labels, methods."""

from __future__ import annotations

CITY_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "kicker": "城市上学路线安全总览",
        "sec_map": "学校分布与风险",
        "sec_ranking": "学校风险排名",
        "sec_schools": "各校：风险最高的过街点与最佳措施",
        "sec_total": "全市最佳措施的总效果",
        "sec_methods": "方法与复现",
        "schools_n": "所学校",
        "rank": "排名",
        "network": "学校（路网）",
        "map_file": "地图",
        "synthetic": "合成街区",
        "risk": "现状预期重伤（每10万人次）[95%置信区间]",
        "per_year": "现状每年预期重伤（人/年）",
        "deaths": "现状预期死亡（每10万人次）",
        "best": "最佳措施",
        "best_change": "重伤变化（每10万人次）[95%置信区间]",
        "best_pct": "变化（%）",
        "best_year": "每年重伤变化（人/年）",
        "counted": "是否计入",
        "total": "合计",
        "no_best": "没有任何情景降低该校的预期重伤风险。",
        "today_total": "各校现状每年预期重伤合计（人/年）",
        "change_total": "显著的最佳措施每年减少的重伤（人/年）",
        "missing": "没有结果的路网",
        "software": "软件版本",
        "digest": "参数表摘要（SHA-256）",
        "seeds": "随机种子",
        "children_per_school": "每校儿童数",
        "baseline": "基准情景",
        "command": "批量运行命令",
        "networks": "路网",
        "scenarios": "情景",
        "folder": "批量结果目录",
        "within_noise_city": "在随机误差内",
    },
    "en": {
        "kicker": "City overview of school-route safety",
        "sec_map": "Where the schools are and their risk",
        "sec_ranking": "Schools ranked by risk",
        "sec_schools": "Each school: riskiest crossings and best measure",
        "sec_total": "What the city's best measures would buy",
        "sec_methods": "Methods and reproduction",
        "schools_n": "schools",
        "rank": "Rank",
        "network": "School (network)",
        "map_file": "Map",
        "synthetic": "synthetic district",
        "risk": "Expected severe injuries per 100,000 trips today [95% CI]",
        "per_year": "Expected severe injuries a year today",
        "deaths": "Expected deaths per 100,000 trips today",
        "best": "Best measure",
        "best_change": "Change in severe injuries per 100,000 trips [95% CI]",
        "best_pct": "Change (%)",
        "best_year": "Change in severe injuries a year",
        "counted": "Counted",
        "total": "Total",
        "no_best": "No scenario lowers this school's expected severe-injury risk.",
        "today_total": "The schools' expected severe injuries a year today",
        "change_total": "Change a year from the significant best measures",
        "missing": "Networks without results",
        "software": "Software",
        "digest": "Parameter table digest (SHA-256)",
        "seeds": "Seeds",
        "children_per_school": "Children per school",
        "baseline": "Baseline scenario",
        "command": "Batch command",
        "networks": "Networks",
        "scenarios": "Scenarios",
        "folder": "Batch folder",
        "within_noise_city": "within noise",
    },
}

METHODS: dict[str, list[str]] = {
    "zh": [
        "每所学校（路网）在每个情景下用相同的随机种子各模拟一次早高峰（共同随机数），情景之间的差异按种子配对计算。",
        "排名按现状情景的预期重伤（每10万人次）从高到低；均值与95%置信区间直接取自批量结果的汇总表（summary）。",
        "一所学校的最佳措施是与现状相比预期重伤配对降低最多的情景；若其95%置信区间包含0，标为“在随机误差内（†）”。",
        "过街点风险为现状各种子该处预期重伤之和除以种子数，换算为每10万人次（与全校数值同单位，各处之和即全校数值）。",
        "全市合计：各校最佳措施的每年重伤变化相加，只计入显著（置信区间不含0）的措施；各校相互独立，"
        "置信区间的半宽按平方和开方合成（上下两侧分别计算）。",
    ],
    "en": [
        "Each school (network) runs one morning per scenario and seed with the same seeds in every scenario "
        "(common random numbers); differences between scenarios are paired by seed.",
        "Schools are ranked by today's expected severe injuries per 100,000 trips, highest first; means and "
        "95% CIs are the batch's summary table as it is.",
        "A school's best measure is the scenario with the largest paired reduction of that risk versus "
        "today; when its 95% CI includes 0 it is marked within noise (†).",
        "A crossing's risk is the sum over seeds of the expected severe injuries there today divided by the "
        "seeds, in the school's unit (per 100,000 trips: the crossings add up to the school's figure).",
        "City total: the best measures' changes in severe injuries a year, added over schools, counting only "
        "significant measures (CI excludes 0); schools are independent, so the CIs' half-widths add in "
        "quadrature (each side separately).",
    ],
}
