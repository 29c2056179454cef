"""Solara's front-end files for a machine with no internet: which, where, and installing them.

Solara's page loads four npm packages from a CDN through its own proxy
(``/_solara/cdn/...``), which serves them from ``SOLARA_ASSETS_PROXY_CACHE_DIR``
when they are there (``<cache>/<name>@<version>/<file>``) and otherwise
fetches them from the internet. :func:`install` fills that folder with
``npm pack`` from the npm registry once, at setup (``./dev setup``), so that
the page renders offline. The versions are read from the installed solara's
own files, so they follow solara upgrades.

Run ``python -m simulator.ui.assets [CACHE_DIR]`` to install (``./dev`` does).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = ROOT / ".cache" / "solara-assets"
COMPLETE = ".saferoute-complete"
# (package, file in solara that names its version, pattern with the version as group 1)
SOURCES = (
    ("@widgetti/solara-vuetify-app", "server/templates/solara.html.j2",
     r"@widgetti/solara-vuetify-app@([\w.+-]+)/"),
    ("requirejs", "server/templates/solara.html.j2", r"/requirejs@([\w.+-]+)/"),
    ("font-awesome", "server/settings.py", r"/font-awesome@([\w.+-]+)/"),
    ("@widgetti/vue-grid-layout", "widgets/vue/gridlayout.vue", r"@widgetti/vue-grid-layout@([\w.+-]+)/"),
)


def solara_folder() -> Path:
    """The installed ``solara`` package folder (without importing solara)."""
    spec = importlib.util.find_spec("solara")
    if spec is None or not spec.submodule_search_locations:
        msg = "solara is not installed (pip install -e '.[ui]')"
        raise RuntimeError(msg)
    return Path(next(iter(spec.submodule_search_locations)))


def required_packages() -> list[str]:
    """``name@version`` of every npm package the installed solara loads from its CDN proxy."""
    folder = solara_folder()
    found = []
    for name, file, pattern in SOURCES:
        text = (folder / file).read_text(encoding="utf-8")
        versions = sorted(set(re.findall(pattern, text)))
        if len(versions) != 1:
            msg = f"cannot tell which {name} solara needs ({folder / file}: {versions or 'none'})"
            raise RuntimeError(msg)
        found.append(f"{name}@{versions[0]}")
    return found


def cache_dir() -> Path:
    """The asset cache folder: ``SOLARA_ASSETS_PROXY_CACHE_DIR`` if set, else ``.cache/solara-assets``."""
    given = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    return Path(given) if given else DEFAULT_CACHE


def missing(cache: Path | None = None) -> list[str]:
    """The required packages not (completely) installed in ``cache``."""
    cache = cache or cache_dir()
    return [p for p in required_packages() if not (cache / p / COMPLETE).is_file()]


def server_env(cache: Path | None = None) -> dict[str, str]:
    """Environment variables for a Solara server: offline assets from ``cache``, telemetry off."""
    return {
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache or cache_dir()),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    }


class _Listening(logging.Filter):
    """Lets through uvicorn's warnings and errors, and its line saying it listens."""

    def filter(self, record: logging.LogRecord) -> bool:
        """True for a warning or worse, or ``Uvicorn running on ...``."""
        return record.levelno >= logging.WARNING or str(record.msg).startswith("Uvicorn running on")


def announce_listening() -> None:
    """Make the server print ``Uvicorn running on http://HOST:PORT`` once it listens.

    Solara prints "Solara server is starting at" before the socket is open and
    keeps uvicorn's own messages at ERROR; this lets uvicorn's line through,
    written to stderr when the port accepts connections (so a user, or a
    test, knows the page is ready), and nothing else of its INFO messages.
    """
    logger = logging.getLogger("uvicorn.error")
    if logger.getEffectiveLevel() > logging.INFO:
        if not any(isinstance(f, _Listening) for f in logger.filters):
            logger.addFilter(_Listening())
        logger.setLevel(logging.INFO)


def configure_solara() -> None:
    """Offline assets and no telemetry for a server started with a bare ``solara run app.py``.

    Called when ``app.py`` is imported, which Solara does before it serves the
    first page: the asset proxy then reads this repository's cache (unless
    ``SOLARA_ASSETS_PROXY_CACHE_DIR`` says otherwise), telemetry is off (unless
    ``SOLARA_TELEMETRY_MIXPANEL_ENABLE`` is set), the page does not ask
    solara.dev whether it renders, and the server says when it listens
    (:func:`announce_listening`).
    """
    import solara.checks
    import solara.server.settings as settings

    announce_listening()

    if "SOLARA_ASSETS_PROXY_CACHE_DIR" not in os.environ:
        settings.assets.proxy_cache_dir = DEFAULT_CACHE
    if "SOLARA_TELEMETRY_MIXPANEL_ENABLE" not in os.environ:
        settings.telemetry.mixpanel_enable = False
    solara.checks.should_perform_solara_check = lambda: False


def install(cache: Path | None = None, *, npm: str = "npm") -> list[str]:
    """``npm pack`` every missing package and unpack it into ``cache/<name>@<version>/``.

    Returns
    -------
    list of str
        The packages installed (empty when everything was already there).
    """
    cache = (cache or cache_dir()).absolute()
    todo = missing(cache)
    if todo and shutil.which(npm) is None:
        msg = f"npm is needed once to install Solara's front-end files ({', '.join(todo)}): install Node.js"
        raise RuntimeError(msg)
    for spec in todo:
        target = cache / spec
        with tempfile.TemporaryDirectory(prefix="solara-assets-") as tmp:
            subprocess.run([npm, "pack", "--silent", "--pack-destination", tmp, spec],
                           check=True, stdout=subprocess.DEVNULL, cwd=tmp)
            (tarball,) = Path(tmp).glob("*.tgz")
            unpacked = Path(tmp) / "unpacked"
            with tarfile.open(tarball) as tar:
                tar.extractall(unpacked, filter="data")
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(unpacked / "package", target)
        (target / COMPLETE).write_text(spec + "\n", encoding="utf-8")
    return todo


def main(argv: list[str] | None = None) -> int:
    """Install the assets into the folder given (default: ``.cache/solara-assets``)."""
    args = sys.argv[1:] if argv is None else argv
    cache = Path(args[0]) if args else cache_dir()
    done = install(cache)
    print(f"solara assets in {cache}: " + (f"installed {', '.join(done)}" if done else "already there"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
