"""Recommendations: where to post guards, which routes to publish, which measures to fund."""

from simulator.recommend.base import Evaluator, base_scenario
from simulator.recommend.guards import GuardPick, recommend_guards

__all__ = ["Evaluator", "GuardPick", "base_scenario", "recommend_guards"]
