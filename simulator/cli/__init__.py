"""The ``saferoute`` command. Each group of subcommands lives in its own module."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from simulator.cli import batch, calibrate, maps, recommend, report, runs, ui, validate
from simulator.cli.common import EXIT_BAD_INPUT, Parser
from simulator.errors import SaferouteError

COMMANDS = (runs, validate, calibrate, maps, recommend, batch, report, ui)


def parser() -> Parser:
    """The argument parser with every subcommand registered."""
    p = Parser(prog="saferoute", description="Safe-route school travel simulator (上学路线安全模拟).")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in COMMANDS:
        module.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``saferoute`` console script."""
    args = parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except SaferouteError as exc:
        print("saferoute: error: " + " ".join(str(exc).splitlines()), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `saferoute crossings | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("saferoute: interrupted; nothing was written", file=sys.stderr)
        return 130


__all__ = ["EXIT_BAD_INPUT", "main", "parser"]
