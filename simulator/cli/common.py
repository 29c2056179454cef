"""Shared pieces of the ``saferoute`` commands: one-line errors, number options."""

from __future__ import annotations

import argparse
from typing import NoReturn

EXIT_BAD_INPUT = 2


class Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line, like every other bad-input error."""

    def error(self, message: str) -> NoReturn:
        """Print ``saferoute: error: <message>`` on one line and exit with status 2."""
        text = " ".join(message.split())
        self.exit(EXIT_BAD_INPUT, f"saferoute: error: {text} (see: {self.prog} --help)\n")


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
