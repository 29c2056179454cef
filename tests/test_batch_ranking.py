"""The ranking a finished batch prints: intervals that stay non-negative, "[—]" and why for one seed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from batch_kit import ENV, NETWORKS, ROOT, SCENARIOS, sweep, write_sweep

from simulator.intervals import ONE_SEED


@pytest.mark.parametrize("seeds", [1, 3])
def test_the_printed_ranking_has_readable_intervals(tmp_path: Path, seeds: int) -> None:
    data = sweep(tmp_path / "out", seeds=seeds, networks=NETWORKS, children=100,
                 scenarios=[str(SCENARIOS / "baseline.yaml")])
    path = write_sweep(tmp_path / "sweep.yaml", data)
    done = subprocess.run([sys.executable, "-m", "simulator.cli", "batch", str(path), "--workers", "1"],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    ranks = re.findall(r"^ +\d\. (A|B)  (\d+\.\d+) \[(.*?)\]", done.stdout, re.M)
    assert [name for name, _, _ in ranks] in (["A", "B"], ["B", "A"])
    assert "nan" not in done.stdout
    if seeds == 1:
        assert all(bracket == "—" for _, _, bracket in ranks) and ONE_SEED.en in done.stdout
    else:
        for _, mean, bracket in ranks:
            low, high = (float(x) for x in bracket.split(", "))
            assert 0 <= low <= float(mean) <= high
        assert ONE_SEED.en not in done.stdout
