"""Tests of ``lupus-teach report`` and :mod:`lupus_teach.report` (issue 8).

Rendering starts a kernel (several seconds), so the renders are shared by
module-scoped fixtures and the module runs on one xdist worker.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from lupus_teach import __version__, report
from lupus_teach.cli import main
from lupus_teach.response import classify_response
from lupus_teach.visits import read_visits

pytestmark = pytest.mark.xdist_group("report")

FIXTURES = Path(__file__).parent / "report_fixtures"
SMALL = FIXTURES / "small_valid.csv"
COHORT = Path(__file__).parents[1] / "data" / "cohort" / "visits.csv"
BROKEN = Path(__file__).parent / "broken_csv"


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell text (stdlib only)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


class _Links(HTMLParser):
    """Every attribute that can make a browser fetch something."""

    FETCHING = frozenset({"src", "href", "xlink:href", "action", "formaction", "srcset",
                          "poster", "data", "background", "manifest", "ping"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [(tag, k, v or "") for k, v in attrs if k in self.FETCHING]

    handle_startendtag = handle_starttag


def tables_of(text: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(text)
    return parser.tables


def table_with(text: str, header: str) -> list[dict[str, str]]:
    for table in tables_of(text):
        if table and header in table[0]:
            return [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    raise AssertionError(f"no table with column {header!r}")


def assert_headline_figures(text: str, source: Path) -> None:
    """The report's counts and response table match classify_response run here."""
    visits = read_visits(source)
    expected = classify_response(visits, "wang2014", validate=False)
    counts = expected["response"].value_counts()
    proportions = {row["Response"]: row for row in table_with(text, "95% CI (Wilson)")}
    assert set(proportions) == {"MCR", "PCR", "NR"}
    for category, row in proportions.items():
        assert int(row["Patients"]) == int(counts.get(category, 0))
        assert int(row["Of"]) == len(expected)
        assert row["Proportion"] == f"{100 * counts.get(category, 0) / len(expected):.1f}%"
    per_patient = table_with(text, "Reason")
    assert [r["Patient"] for r in per_patient] == expected["patient_id"].tolist()
    assert [r["Response"] for r in per_patient] == expected["response"].tolist()
    assert [r["Reason"] for r in per_patient] == expected["reason"].tolist()
    summary = {row[0]: row[1] for row in tables_of(text)[0]}
    assert summary["Patients"] == f"{visits['patient_id'].nunique():,}"
    n_visits = len(visits[["patient_id", "month"]].drop_duplicates())
    assert summary["Visits"] == f"{n_visits:,}"


# --------------------------------------------------------------------------
# fixtures: each render once
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The small file rendered through the command line."""
    out = tmp_path_factory.mktemp("report") / "small.html"
    assert main(["report", str(SMALL), "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def small_html_again(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The same file rendered a second time, through the Python API."""
    out = report.render(SMALL, tmp_path_factory.mktemp("report") / "again.html")
    return out.read_text(encoding="utf-8")


# --------------------------------------------------------------------------
# content
# --------------------------------------------------------------------------


def test_report_has_headline_figures(small_html: str) -> None:
    assert_headline_figures(small_html, SMALL)
    wilson = table_with(small_html, "95% CI (exact, Clopper-Pearson)")
    assert wilson[0]["95% CI (Wilson)"] == "23.1% to 88.2%"  # 3 of 5
    assert wilson[0]["95% CI (exact, Clopper-Pearson)"] == "14.7% to 94.7%"


def test_report_sections_and_provenance(small_html: str) -> None:
    for heading in ("Summary", "Response proportions", "Response of each patient",
                    "BILAG grades over time", "Flares by month",
                    "Markers and outcomes recorded in the file", "Provenance"):
        assert f"<h2>{heading}</h2>" in small_html
    assert report.sha256_of(SMALL) in small_html
    assert f"lupus-teach version: {__version__}" in small_html
    assert "Response definition: wang2014" in small_html
    assert "<code>small_valid.csv</code>" in small_html
    assert "Simulated data" not in small_html
    # the unknown column is ignored with a note; the known ones are used
    assert "so they were ignored: 'ward'." in html.unescape(small_html)
    assert "24-h proteinuria over time" in small_html
    assert "Complement C3 over time" in small_html
    assert "1 of 5 patients (first recorded at month 12: 1)" in small_html


def test_flares_table_matches_library(small_html: str) -> None:
    visits = read_visits(SMALL)
    expected = report.flares_by_month(report.flares_by_visit(visits))
    shown = table_with(small_html, "Moderate or severe")
    assert [int(r["Moderate or severe"]) for r in shown] == \
        expected["moderate_or_severe"].tolist()
    assert [int(r["Severe"]) for r in shown] == expected["severe"].tolist()


def test_report_is_self_contained(small_html: str) -> None:
    assert "<script" not in small_html.lower()
    links = _Links()
    links.feed(small_html)
    assert not [link for link in links.links if not link[2].startswith(("#", "data:"))]
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", small_html, flags=re.I)
    assert "@import" not in small_html
    # code is hidden; every chart is an inline SVG
    assert "ReportData.load" not in small_html
    assert small_html.count('<figure class="lt-chart"><svg') == 5


def test_two_renders_differ_only_in_the_date(small_html: str, small_html_again: str) -> None:
    first, second = small_html.splitlines(), small_html_again.splitlines()
    assert len(first) == len(second)
    differing = [(a, b) for a, b in zip(first, second, strict=True) if a != b]
    assert all("lt-date" in a and "lt-date" in b for a, b in differing), differing[:3]
    assert len(differing) <= 1


@pytest.mark.skipif(not COHORT.exists(),
                    reason="data/cohort/visits.csv is not there yet (issue 4 writes it)")
def test_shipped_cohort_report(tmp_path_factory: pytest.TempPathFactory) -> None:
    out = tmp_path_factory.mktemp("report") / "cohort.html"
    assert main(["report", str(COHORT), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert_headline_figures(text, COHORT)
    assert "Simulated data." in text
    assert "(the simulated cohort shipped with lupus-teach)" in text
    visits = read_visits(COHORT)
    if visits["patient_id"].nunique() > report.MAX_HEATMAPS:
        assert f"the first {report.MAX_HEATMAPS} of" in text


# --------------------------------------------------------------------------
# refusals: no kernel is started
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["many_problems.csv", "bad_grade.csv", "empty.csv"])
def test_invalid_file_writes_nothing(name: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    source = BROKEN / name
    assert main(["validate", str(source)]) == 1
    validate_message = capsys.readouterr().out
    out = tmp_path / "report.html"
    assert main(["report", str(source), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err == validate_message  # the same message (on stderr)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_identifier_columns_are_refused(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(FIXTURES / "identifiers.csv"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "'Name', 'Date of birth', 'NHS number' look like direct identifiers" in err
    assert "--allow-identifiers" in err
    assert not out.exists()
    with pytest.raises(report.IdentifierColumnsError):
        report.render(pd.read_csv(FIXTURES / "identifiers.csv"), out)
    assert not out.exists()


@pytest.mark.parametrize("column", [
    "name", "Patient Name", "first_name", "LastName", "surname", "DOB", "date of birth",
    "birth-date", "address", "Address line 1", "postcode", "Post Code", "zip", "ZIP code",
    "phone", "Telephone number", "mobile", "email", "E-mail address", "NHS number", "nhs_no",
    "MRN", "medical record number", "hospital number", "SSN", "social security number",
])
def test_identifier_names(column: str) -> None:
    assert report.identifier_columns(["patient_id", column]) == [column]


@pytest.mark.parametrize("column", [
    "patient_id", "month", "system", "grade", "system_name", "proteinuria", "c3", "died",
    "relapse", "ward", "site", "arm", "age_years", "sex", "named_entity_count",
])
def test_not_identifier_names(column: str) -> None:
    assert report.identifier_columns([column]) == []


def test_unknown_definition_is_refused(tmp_path: Path) -> None:
    assert main(["report", str(SMALL), "-o", str(tmp_path / "x.html"),
                 "--definition", "nope"]) == 2
    assert not (tmp_path / "x.html").exists()


# --------------------------------------------------------------------------
# library functions
# --------------------------------------------------------------------------


@pytest.mark.parametrize("index", ["classic", "2004"])
def test_flares_vectorised_agrees_with_compare_visits(index: str) -> None:
    import numpy as np

    from lupus_teach.bilag import system_names

    rng = np.random.default_rng(8)
    systems = system_names(index)
    rows = []
    for patient in range(60):
        # some visits missing: the previous visit is the previous one present
        months = [m for m in (0, 1, 3, 6, 9, 12) if m == 0 or rng.random() > 0.2]
        for month in months:
            rows += [(f"p{patient}", month, s, "ABCDE"[rng.integers(5)]) for s in systems]
    visits = read_visits(pd.DataFrame(rows, columns=["patient_id", "month", "system",
                                                     "grade"]))
    fast = report.flares_by_visit(visits)
    slow = report.flares_by_visit(visits, method="reference")
    pd.testing.assert_frame_equal(fast, slow)
    assert set(fast["flare"]) == {"none", "mild", "moderate", "severe"}
    assert len(fast) == len(visits[["patient_id", "month"]].drop_duplicates()) - 60


def test_marker_units_match_plots() -> None:
    from lupus_teach.plots import MARKER_LABELS, MARKER_UNITS

    markers = {k: v for k, v in report.OPTIONAL_COLUMNS.items() if v.kind == "marker"}
    assert {k: v.unit for k, v in markers.items()} == MARKER_UNITS
    assert {k: v.label for k, v in markers.items()} == MARKER_LABELS


def test_escaping_helpers() -> None:
    frame = pd.DataFrame({"<th>": ["<script>alert(1)</script>", '=HYPERLINK("http://x")']})
    text = report._table(frame)
    assert "<script>" not in text and "&lt;script&gt;" in text and "&lt;th&gt;" in text
    assert html.unescape(text).count('=HYPERLINK("http://x")') == 1
