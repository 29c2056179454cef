"""The ``saferoute`` command. Each group of subcommands lives in its own module."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

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
    """The ``saferoute`` command: parse ``argv``, run the subcommand, say what went wrong; the exit code."""
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


def console() -> NoReturn:
    """The console script (and ``python -m simulator.cli``): :func:`main`, then leave at once.

    A run leaves a large heap (graphs, agents, tables) that the interpreter
    would free object by object on the way out (about 0.2 s). The command's
    work is done and written (every file is closed by its ``with``, pools and
    clients by theirs), so the process flushes its streams and logs and exits
    without that teardown. Code that calls :func:`main` keeps its interpreter.
    """
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`saferoute crossings | head`)
            stream.flush()
    os._exit(code)


__all__ = ["EXIT_BAD_INPUT", "console", "main", "parser"]
