"""Rules the test suite keeps: no test reads the clock or sleeps; waiting lives in tests/waiting.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
CLOCK = re.compile(r"\btime\.(?:time|monotonic|perf_counter|process_time|sleep)\b|wait_for_timeout|"
                   r"mark\.flaky|\breruns\s*=")


EXEMPT = ("waiting.py", "test_suite_rules.py")  # the bounded waits; this file names the patterns


@pytest.mark.parametrize("path", sorted(p.name for p in TESTS.glob("*.py") if p.name not in EXEMPT))
def test_no_test_reads_the_clock_or_sleeps(path: str) -> None:
    """Timings belong in benchmarks/; a test waits on a condition (a line, a file, the page's state)."""
    found = [f"{path}:{n}: {line.strip()}" for n, line in
             enumerate((TESTS / path).read_text(encoding="utf-8").splitlines(), 1)
             if CLOCK.search(line) and not line.lstrip().startswith(("#", '"'))]
    assert not found, "\n".join(found)
