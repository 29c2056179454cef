"""Scenario files: the schema, loading with one-line errors, and writing back.

A scenario file (YAML) names a site, the children and the morning, and a list
of interventions (crossing facilities and their step-free access, calming,
guards, drop-off rules, kerbside parking, education, staggered starts, arrival
modes, the school bus, the gate's 即停即走 zone and e-bike parking).
:func:`load_scenario` reads and validates one; :func:`check_references` checks
the crossing and edge ids it names against a built site. Each intervention
type's applier and description live in :mod:`simulator.scenario.apply`
(imported on its own: it builds on the runtime network and setting).
"""

from simulator.scenario.fields import TimeWindow
from simulator.scenario.interventions import (
    INTERVENTION_TYPES,
    AccessChange,
    DropoffBan,
    EbikeParking,
    Education,
    FacilityChange,
    GuardPost,
    Humps,
    Intervention,
    KissAndRide,
    LaneReduction,
    ModeShares,
    NoParking,
    Parking,
    RecommendedRoutes,
    SchoolBus,
    SignalTiming,
    SpeedLimit,
    StartTime,
    VolumeOverride,
    Zone,
    staff_types,
)
from simulator.scenario.load import (
    check_references,
    load_scenario,
    scenario_from_mapping,
    scenario_from_yaml,
    scenario_to_yaml,
)
from simulator.scenario.schema import ENFORCEMENT, Scenario, Site, SyntheticSite

__all__ = [
    "ENFORCEMENT",
    "INTERVENTION_TYPES",
    "AccessChange",
    "DropoffBan",
    "EbikeParking",
    "Education",
    "FacilityChange",
    "GuardPost",
    "Humps",
    "Intervention",
    "KissAndRide",
    "LaneReduction",
    "ModeShares",
    "NoParking",
    "Parking",
    "RecommendedRoutes",
    "Scenario",
    "SchoolBus",
    "SignalTiming",
    "Site",
    "SpeedLimit",
    "StartTime",
    "SyntheticSite",
    "TimeWindow",
    "VolumeOverride",
    "Zone",
    "check_references",
    "load_scenario",
    "scenario_from_mapping",
    "scenario_from_yaml",
    "scenario_to_yaml",
    "staff_types",
]
