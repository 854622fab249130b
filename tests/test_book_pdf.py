"""The print edition: the whole student edition in one PDF, from the local Chromium."""

from __future__ import annotations

import pytest
from test_book import BOOK, HTML, build_book_once

from lupus_teach import book as lt_book
from lupus_teach.errors import LupusTeachError

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("book")]


@pytest.fixture(scope="module")
def printed(tmp_path_factory, playwright_browser):
    build_book_once()
    return lt_book.print_pdf(tmp_path_factory.mktemp("pdf") / "book.pdf",
                             browser=playwright_browser)


def test_pdf_has_every_page_of_the_book_in_order(printed):
    from pypdf import PdfReader

    reader = PdfReader(printed.path)
    pages = lt_book.toc_pages(HTML, BOOK)
    assert printed.documents == len(pages) >= 15
    assert len(reader.pages) == printed.pages > len(pages)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    lesson = text.find("The BILAG index: grading lupus organ by organ")
    flares = text.find("Flares")
    assert 0 <= lesson < text.find("Glossary", lesson)  # reading order
    assert flares >= 0
    assert "organ system" in text.lower()


def test_pdf_keeps_charts_and_formulas(printed):
    """Charts are printed as vector drawings, formulas as MathJax SVG paths: both are
    drawing operators in the page content, not text; a page with a chart has many."""
    from pypdf import PdfReader

    reader = PdfReader(printed.path)
    drawing = [len(p.get_contents().get_data()) if p.get_contents() is not None else 0
               for p in reader.pages]
    assert max(drawing) > 20_000


def test_pdf_refuses_to_overwrite(printed):
    with pytest.raises(LupusTeachError):
        lt_book.print_pdf(printed.path)  # refused before any browser starts
