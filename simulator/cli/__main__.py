"""``python -m simulator.cli``."""

from simulator.cli import console

console()
