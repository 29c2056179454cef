"""saferoute: a safe-route school travel simulator (agent-based, Mesa)."""

__version__ = "0.1.0"
