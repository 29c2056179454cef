"""Installed as a package, not cloned: a wheel in a fresh venv runs the demo from any folder.

The wheel is built from this checkout (no build isolation: offline) and
installed with ``--no-deps`` into a new venv; the dependencies come from this
venv's site-packages through a ``.pth`` line (which adds the folder but runs
none of its ``.pth`` files, so this checkout's editable install stays out).
Nothing from the repository is on the path: only what the wheel holds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LOCAL_ONLY = (".git", ".venv", ".cache", "build", "*.egg-info", "results", "test-artifacts", ".hypothesis",
              "__pycache__", ".*_cache", "saferoute-work")


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The ``saferoute`` command of a fresh venv holding only the wheel, and a clean environment."""
    root = tmp_path_factory.mktemp("package")
    source = root / "source"  # the build writes build/ and *.egg-info: not into the checkout
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(*LOCAL_ONLY))
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                "-w", root / "dist", source, cwd=root)
    assert built.returncode == 0, built.stderr
    wheel = next((root / "dist").glob("saferoute-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "simulator/examples/baseline.yaml" in names and "simulator/data/parameters.yaml" in names
    venv = root / "venv"
    made = run(sys.executable, "-m", "venv", venv, cwd=root)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root)
    Path(site.stdout.strip(), "outer-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    install = run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=root)
    assert install.returncode == 0, install.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return venv / "bin" / "saferoute", env


def test_the_wheel_runs_the_demo_from_any_folder(installed: tuple[Path, dict[str, str]],
                                                 tmp_path: Path) -> None:
    saferoute, env = installed
    where = run(saferoute.parent / "python", "-c", "import simulator; print(simulator.__file__)",
                cwd=tmp_path, env=env)
    assert str(REPO) not in where.stdout and "site-packages" in where.stdout
    demo = run(saferoute, "demo", "--seeds", "1", "--workers", "1", cwd=tmp_path, env=env)
    assert demo.returncode == 0, demo.stderr
    assert "现状 Baseline" in demo.stdout
    assert (tmp_path / "results" / "demo" / "manifest.json").is_file()


def test_the_wheel_copies_its_examples_out_for_editing(installed: tuple[Path, dict[str, str]],
                                                       tmp_path: Path) -> None:
    saferoute, env = installed
    copied = run(saferoute, "scenarios", "--out", "mine", cwd=tmp_path, env=env)
    assert copied.returncode == 0, copied.stderr
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == sorted(
        p.name for p in (REPO / "scenarios").glob("*.yaml"))
    again = run(saferoute, "scenarios", "--out", "mine", cwd=tmp_path, env=env)
    assert again.returncode == 2 and "nothing copied" in again.stderr
