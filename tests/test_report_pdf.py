"""The PDF report: A4 pages, a one-page summary, sections in order, Chinese text extractable."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader
from report_support import EN_TITLES, ZH_TITLES, district_results, map_results, report_pdf

A4 = (595.3, 841.9)  # points


def page_texts(folder, lang: str) -> list[str]:
    reader = PdfReader(report_pdf(folder, lang))
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - A4[0]) < 2 and abs(float(box.height) - A4[1]) < 2  # A4 portrait
    return [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]


def section_pages(pages: list[str], titles: tuple[str, ...]) -> list[int]:
    """For each title in turn, the first page at or after the previous section's that shows it."""
    starts, at = [], 0
    for title in titles:
        at = next(i for i in range(at, len(pages)) if re.sub(r"\s+", "", title) in pages[i])
        starts.append(at)
    return starts


@pytest.mark.parametrize(("folder", "lang", "titles"), [
    (district_results, "zh", ZH_TITLES),
    (map_results, "zh", ZH_TITLES),
    (district_results, "en", EN_TITLES),
])
def test_the_pdf_has_every_section_in_order(folder, lang: str, titles: tuple[str, ...]) -> None:
    pages = page_texts(folder(), lang)
    assert 8 <= len(pages) <= 40
    starts = section_pages(pages, titles)  # StopIteration if a title is missing or out of order
    assert starts[0] == 0 and starts[1] == 1  # the summary is one page, the map starts page 2
    assert len(set(starts)) >= len(titles) - 1  # sections start on their own pages (reproduce may share)
    assert "上学路线安全报告" in pages[0] or "School-routesafetyreport" in pages[0]


def test_the_chinese_pdf_text_is_chinese() -> None:
    pages = page_texts(district_results(), "zh")
    text = "".join(pages)
    for word in ("护学岗", "天桥", "斑马线", "信号灯", "预期重伤", "95%置信区间"):
        assert word in text
    assert "\ufffd" not in text  # no character lost on the way to the PDF


def test_pdf_figures_are_embedded_images() -> None:
    reader = PdfReader(report_pdf(district_results(), "zh"))
    with_images = [i for i, page in enumerate(reader.pages) if page.images]
    assert 1 in with_images and len(with_images) >= 4
