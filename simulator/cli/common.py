"""Shared pieces of the ``saferoute`` commands: one-line errors, number options."""

from __future__ import annotations

import argparse
from typing import NoReturn

from simulator.limits import MAX_RUNS, MAX_SEEDS, check_count, check_workers, machine_cores

EXIT_BAD_INPUT = 2


class Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line, like every other bad-input error."""

    def error(self, message: str) -> NoReturn:
        """Print ``saferoute: error: <message>`` on one line and exit with status 2."""
        text = " ".join(message.split())
        self.exit(EXIT_BAD_INPUT, f"saferoute: error: {text} (see: {self.prog} --help)\n")


def add_work_options(parser: argparse.ArgumentParser, *, seeds_help: str) -> None:
    """``--seeds``, ``--workers`` and ``--yes``: how much work a command starts, within the bounds."""
    parser.add_argument("--seeds", type=whole, default=10, help=f"{seeds_help} (default 10)")
    parser.add_argument("--workers", type=whole, default=None,
                        help="worker processes (default 2, or 1 on a 1-core machine; "
                             "at most this machine's cores unless --yes)")
    parser.add_argument("--yes", action="store_true",
                        help="allow work beyond the usual bounds (more workers than cores, "
                             f"more than {MAX_SEEDS:,} seeds or {MAX_RUNS:,} runs)")


def check_work(args: argparse.Namespace) -> None:
    """Check ``--seeds`` and ``--workers`` against the bounds; the default worker count filled in."""
    check_count(args.seeds, option="--seeds", limit=MAX_SEEDS, force=args.yes)
    if args.workers is None:
        args.workers = min(2, machine_cores())
    check_workers(args.workers, force=args.yes)


def whole(text: str) -> int:
    """A whole-number option value, or a one-line error naming the value."""
    try:
        return int(text)
    except ValueError:
        msg = f"{text!r} is not allowed (allowed: a whole number)"
        raise argparse.ArgumentTypeError(msg) from None


def number(text: str) -> float:
    """A numeric option value, or a one-line error naming the value."""
    try:
        return float(text)
    except ValueError:
        msg = f"{text!r} is not allowed (allowed: a number)"
        raise argparse.ArgumentTypeError(msg) from None
