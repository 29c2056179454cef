"""``saferoute ui``: the web UI in the browser (Solara), offline, bound to 127.0.0.1 by default."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from simulator.cli.common import whole
from simulator.errors import SaferouteError

APP = Path(__file__).resolve().parents[2] / "app.py"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ui."""
    ui = sub.add_parser("ui", help="the web UI: map, editing and comparison in the browser (works offline)")
    ui.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default 127.0.0.1: this machine only)")
    ui.add_argument("--port", type=whole, default=8765, help="port (default 8765)")
    ui.add_argument("--folder", default="saferoute-work",
                    help="the only folder the page writes in: saved scenarios, loaded maps "
                         "(default ./saferoute-work)")
    ui.add_argument("--no-open", action="store_true", help="do not open a browser")
    ui.set_defaults(handler=_ui)


def server_command(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The ``solara run`` command line and its environment (offline assets, telemetry off, folder)."""
    from simulator.ui.assets import server_env

    if not 1 <= args.port <= 65535:
        msg = f"--port: {args.port} is not allowed (allowed: 1–65535)"
        raise SaferouteError(msg)
    app = str(APP) if APP.is_file() else "simulator.ui.page"
    cmd = [sys.executable, "-m", "solara", "run", app, "--host", args.host, "--port", str(args.port),
           "--production"]
    if args.no_open:
        cmd.append("--no-open")
    env = dict(os.environ) | server_env() | {"SAFEROUTE_UI_FOLDER": str(Path(args.folder).absolute())}
    return cmd, env


def _ui(args: argparse.Namespace) -> int:
    from simulator.ui.assets import cache_dir, missing

    cmd, env = server_command(args)
    absent = missing()
    if absent:
        print(f"saferoute: warning: Solara's front-end files are not in {cache_dir()} "
              f"({', '.join(absent)}): the page needs the internet until `./dev setup` installs them",
              file=sys.stderr)
    folder = env["SAFEROUTE_UI_FOLDER"]
    print(f"saferoute ui: http://{args.host}:{args.port}/ (folder {folder}; Ctrl-C stops)", file=sys.stderr)
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)  # the server replaces this process: Ctrl-C and signals reach it
    return 0  # pragma: no cover
