"""Exception hierarchy: every error a user can cause is a SaferouteError."""

from __future__ import annotations


class SaferouteError(Exception):
    """Base class of every error the simulator raises on bad input."""


class ScenarioError(SaferouteError):
    """A scenario file is missing, malformed or names something that does not exist."""


class NetworkError(SaferouteError):
    """A street or walk graph cannot be built or used (empty map, unreachable school...)."""


class ParameterError(SaferouteError):
    """The parameter table is malformed or a parameter is out of range."""


class ResultsError(SaferouteError):
    """A results folder is missing files, half-written or from another version."""


class SweepError(SaferouteError):
    """A sweep file (batch) is malformed, names what does not exist, or its executor is unreachable."""


class TooLargeError(SaferouteError):
    """The work or input asked for is beyond a bound; the message says how to lift it."""
