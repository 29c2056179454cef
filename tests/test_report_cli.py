"""``saferoute report``: default output, languages and formats, option errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_support import baseline_only_results, district_results

from simulator.cli import main
from simulator.report import build_report


def test_default_is_a_chinese_html_beside_the_results(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "results"
    shutil.copytree(baseline_only_results(), folder)
    assert main(["report", str(folder)]) == 0
    written = folder / "report-zh.html"
    assert capsys.readouterr().out.strip() == str(written.resolve())
    page = written.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "上学路线安全报告" in page
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


def test_english_pdf_to_a_chosen_file(tmp_path: Path) -> None:
    out = tmp_path / "school report.pdf"
    assert main(["report", str(baseline_only_results()), "--lang", "en", "--format", "pdf",
                 "--out", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    assert not (baseline_only_results() / "report-en.pdf").exists()


@pytest.mark.parametrize(("args", "words"), [
    (["--format", "docx"], ("--format", "docx")),
    (["--lang", "fr"], ("--lang", "fr")),
    (["--out", "report.txt"], ("--out", "report.txt", ".html")),
    (["--format", "pdf", "--out", "x/y/report.pdf"], ("--out", "does not exist")),
])
def test_bad_options_exit_2_with_one_line(args: list[str], words: tuple[str, ...], tmp_path: Path,
                                          capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        code = main(["report", str(district_results()), *args])
        raise SystemExit(code)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    for word in words:
        assert word in err


def test_the_api_refuses_an_unknown_language_or_format() -> None:
    from simulator.errors import SaferouteError

    with pytest.raises(SaferouteError, match="--lang: 'fr' is not allowed"):
        build_report(district_results(), lang="fr")
    with pytest.raises(SaferouteError, match="--format: 'docx' is not allowed"):
        build_report(district_results(), fmt="docx")


def test_no_browser_for_the_pdf_is_one_line_telling_how_to_install_it(monkeypatch, tmp_path: Path) -> None:
    from simulator.errors import SaferouteError
    from simulator.report import pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    out = tmp_path / "r.pdf"
    with pytest.raises(SaferouteError, match=r"no Chromium browser found .*apt-get install chromium") as bad:
        build_report(baseline_only_results(), fmt="pdf", out=out)
    assert "\n" not in str(bad.value)
    assert not out.exists() and list(tmp_path.iterdir()) == []
