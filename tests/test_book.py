"""The course book: it builds with no warnings, its links resolve, it loads nothing remote.

The book is built once per test session into ``book/_build`` (the same place
``make book`` uses, so jupyter-cache re-executes only notebooks that changed).
All tests that need the build are in the xdist group ``book``, so that
``pytest -n 2 --dist loadgroup`` runs them, and those of
``tests/test_book_browser.py``, in one worker and the build happens once.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
import yaml

from lupus_teach import book as lt_book
from lupus_teach.cli import main
from lupus_teach.errors import LupusTeachError

REPO = Path(__file__).resolve().parent.parent
BOOK = REPO / "book"
HTML = BOOK / "_build" / "html"

#: Schemes that leave the site on purpose (a click, never a page load).
EXTERNAL_SCHEMES = {"http", "https", "mailto", "ftp", "tel"}
#: Hosts that serve JavaScript/CSS libraries: never named by an inline script either.
CDN_HOSTS = re.compile(
    r"cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|"
    r"fonts\.gstatic\.com|code\.jquery\.com|cdn\.plot\.ly|requirejs\.org"
)
#: <link rel=...> values whose href the browser fetches.
FETCHED_LINK_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon",
                     "shortcut", "manifest", "apple-touch-icon", "preconnect", "dns-prefetch"}


# ---------------------------------------------------------------------------
# The session build


INSTRUCTOR_HTML = lt_book.build_dir(BOOK, "instructor") / "html"


@functools.cache
def build_book_once(edition: str = "student") -> lt_book.BuildResult:
    """Build one edition of the book (once per process); shared with test_book_browser.py."""
    return lt_book.build(echo=False, edition=edition)


@pytest.fixture(scope="session")
def built_book() -> lt_book.BuildResult:
    return build_book_once()


@pytest.fixture(scope="session")
def built_instructor_book() -> lt_book.BuildResult:
    return build_book_once("instructor")


def html_pages(root: Path = HTML) -> list[Path]:
    """Every page of a built book (not the theme's or the sources' files)."""
    return sorted(
        p for p in root.rglob("*.html") if not p.relative_to(root).parts[0].startswith("_")
    )


# ---------------------------------------------------------------------------
# A small HTML reader


class _PageParser(HTMLParser):
    """Collect ids, fetched assets, links and inline scripts of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag.attribute, url)
        self.assets: list[tuple[str, str]] = []  # fetched on page load
        self.inline_scripts: list[str] = []
        self._in_script: dict[str, str] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.ids.add(a[key])
        if tag == "a" and "href" in a:
            self.links.append(("a.href", a["href"]))
        if tag == "link" and "href" in a:
            rels = set(a.get("rel", "").lower().split())
            self.links.append(("link.href", a["href"]))
            if rels & FETCHED_LINK_RELS:
                self.assets.append(("link.href", a["href"]))
        for attr in ("src", "srcset", "data", "poster"):
            if attr in a and tag in {"script", "img", "iframe", "source", "video", "audio",
                                     "embed", "object", "track", "input"}:
                self.links.append((f"{tag}.{attr}", a[attr]))
                self.assets.append((f"{tag}.{attr}", a[attr]))
        if tag == "script":
            self._in_script = a
            self._script_text = []

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script is not None:
            kind = self._in_script.get("type", "text/javascript")
            if "src" not in self._in_script and "json" not in kind:
                self.inline_scripts.append("".join(self._script_text))
            self._in_script = None


@functools.cache
def parse_page(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def is_external(url: str) -> bool:
    return url.startswith("//") or urlsplit(url).scheme.lower() in EXTERNAL_SCHEMES


def broken_links(root: Path) -> list[str]:
    """Every relative ``href``/``src`` in the built pages that does not resolve.

    A target must be an existing file inside the build, and its ``#fragment``
    an ``id`` (or ``<a name>``) of the target page.
    """
    problems = []
    for page in html_pages(root):
        for where, url in parse_page(page).links:
            if not url or is_external(url) or urlsplit(url).scheme in {"data", "javascript"}:
                continue
            parts = urlsplit(url)
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            rel = page.relative_to(root)
            if not target.is_relative_to(root.resolve()) and not target.is_relative_to(root):
                problems.append(f"{rel}: {where} {url!r} leaves the book")
                continue
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{rel}: {where} {url!r}: no such file")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in parse_page(target).ids:
                problems.append(f"{rel}: {where} {url!r}: no anchor #{fragment}")
    return problems


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def remote_assets(root: Path) -> list[str]:
    """Scripts, stylesheets, fonts and images the built site would fetch from elsewhere."""
    problems = []
    for page in html_pages(root):
        rel = page.relative_to(root)
        parsed = parse_page(page)
        problems += [f"{rel}: {where} {url}" for where, url in parsed.assets if is_external(url)]
        problems += [
            f"{rel}: inline script names {m.group(0)}"
            for script in parsed.inline_scripts
            for m in CDN_HOSTS.finditer(script)
        ]
    for css in sorted(root.rglob("*.css")):
        for match in CSS_URL.finditer(css.read_text(encoding="utf-8", errors="replace")):
            url = match.group(1) or match.group(2)
            if is_external(url):
                problems.append(f"{css.relative_to(root)}: url({url})")
    return problems


# ---------------------------------------------------------------------------
# Tests of the build (one build per session)



@pytest.mark.xdist_group("book")
@pytest.mark.slow
def test_book_builds_without_warnings(built_book):
    log = built_book.log.read_text(encoding="utf-8")
    sphinx_warnings = [line for line in log.splitlines() if "WARNING:" in line or "ERROR:" in line]
    assert sphinx_warnings == []
    assert built_book.index == (HTML / "index.html").resolve()
    assert built_book.index.is_file()
    for page in ("intro", "glossary", "references", "data", "definitions", "search"):
        assert (HTML / f"{page}.html").is_file(), page


@pytest.mark.xdist_group("book")
@pytest.mark.slow
def test_every_lesson_notebook_is_a_chapter(built_book):
    lessons = sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb")
                     if not p.name.startswith(("_", ".")))
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    chapters = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert [c for c in chapters if c.startswith("lessons/")] == [f"lessons/{s}" for s in lessons]
    for stem in lessons:
        assert (HTML / "lessons" / f"{stem}.html").is_file(), stem


@pytest.mark.xdist_group("book")
@pytest.mark.slow
def test_internal_links_resolve(built_book):
    assert html_pages(HTML), "the build produced no pages"
    assert broken_links(HTML) == []


@pytest.mark.xdist_group("book")
@pytest.mark.slow
def test_nothing_is_loaded_from_other_hosts(built_book):
    assert remote_assets(HTML) == []
    # The libraries the pages need are in the build itself.
    assert (HTML / "_static" / "vendor" / "mathjax" / "tex-svg-full.js").is_file()
    assert (HTML / "_static" / "vendor" / "vega" / "vega-bundle.js").is_file()
    assert (HTML / "_static" / "lupus-vega-loader.js").is_file()


@pytest.mark.xdist_group("book")
@pytest.mark.slow
def test_glossary_and_references(built_book):
    glossary = parse_page(HTML / "glossary.html").ids
    for term in ("BILAG", "MCR", "PCR", "NR", "UC-MSC", "SLEDAI-2K", "proteinuria",
                 "regression-to-the-mean", "BICLA", "SRI-4", "anti-dsDNA"):
        assert f"term-{term}" in glossary, term
    references = (HTML / "references.html").read_text(encoding="utf-8")
    for fragment in ("Umbilical cord mesenchymal stem cell transplantation", "10.1186/ar4520",
                     "Numerical scoring for the", "Definition and treatment of lupus flares",
                     "Systemic lupus erythematosus disease activity index 2000"):
        assert fragment in references, fragment


# ---------------------------------------------------------------------------
# Fast tests (no build)


def _fake_repo(tmp_path: Path, lessons: dict[str, bytes]) -> Path:
    (tmp_path / "book").mkdir()
    for name in ("_config.yml", "_toc.template.yml"):
        (tmp_path / "book" / name).write_bytes((BOOK / name).read_bytes())
    (tmp_path / "notebooks").mkdir()
    for name, data in lessons.items():
        (tmp_path / "notebooks" / name).write_bytes(data)
    return tmp_path


def _notebook(title: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}")]
    return nbformat.writes(nb).encode()


def test_sync_copies_only_changed_notebooks_and_keeps_times(tmp_path):
    root = _fake_repo(tmp_path, {"02_b.ipynb": _notebook("B"), "01_a.ipynb": _notebook("A"),
                                 "_draft.ipynb": _notebook("draft")})
    first = lt_book.sync_sources(root)
    assert sorted(p.name for p in first.copied) == ["01_a.ipynb", "02_b.ipynb"]
    assert first.chapters == {"lessons": ["lessons/01_a", "lessons/02_b"], "exercises": []}
    copy_a = root / "book" / "lessons" / "01_a.ipynb"
    os.utime(copy_a, ns=(1_000_000_000, 1_000_000_000))
    toc_before = (root / "book" / "_toc.yml").stat().st_mtime_ns

    (root / "notebooks" / "02_b.ipynb").write_bytes(_notebook("B, edited"))
    second = lt_book.sync_sources(root)
    assert [p.name for p in second.copied] == ["02_b.ipynb"]
    assert [p.name for p in second.unchanged] == ["01_a.ipynb"]
    assert copy_a.stat().st_mtime_ns == 1_000_000_000  # untouched: cache stays valid
    assert (root / "book" / "_toc.yml").stat().st_mtime_ns == toc_before

    (root / "notebooks" / "02_b.ipynb").unlink()
    third = lt_book.sync_sources(root)
    assert [p.name for p in third.removed] == ["02_b.ipynb"]
    assert not (root / "book" / "lessons" / "02_b.ipynb").exists()


def test_generated_toc_lists_lessons_and_exercises_in_order(tmp_path):
    root = _fake_repo(tmp_path, {"09_z.ipynb": _notebook("Z"), "01_a.ipynb": _notebook("A")})
    exercises = tmp_path / "exercise-books"
    exercises.mkdir()
    (exercises / "ex01_grades.ipynb").write_bytes(_notebook("Exercise 1"))
    lt_book.sync_sources(root, exercises_dir=exercises)
    text = (root / "book" / "_toc.yml").read_text(encoding="utf-8")
    assert text.startswith("# GENERATED")
    toc = yaml.safe_load(text)
    assert toc["format"] == "jb-book" and toc["root"] == "intro"
    parts = {part["caption"]: [c["file"] for c in part["chapters"]] for part in toc["parts"]}
    assert parts["Lessons"] == ["lessons/01_a", "lessons/09_z"]
    assert parts["Exercises"] == ["exercises/ex01_grades"]
    assert parts["Reference"] == ["glossary", "references"]
    # Deterministic: a second run writes the same bytes.
    lt_book.sync_sources(root, exercises_dir=exercises)
    assert (root / "book" / "_toc.yml").read_text(encoding="utf-8") == text


def test_toc_without_any_notebook_leaves_the_parts_out(tmp_path):
    root = _fake_repo(tmp_path, {})
    report = lt_book.sync_sources(root)
    toc = yaml.safe_load((root / "book" / "_toc.yml").read_text(encoding="utf-8"))
    assert [part["caption"] for part in toc["parts"]] == ["The course", "Reference"]
    assert report.copied == [] and report.chapters["lessons"] == []


def test_unknown_generated_part_is_reported():
    template = {"parts": [{"caption": "X", "generated": "videos"}]}
    with pytest.raises(LupusTeachError, match=r"unknown generated part 'videos'.*lessons"):
        lt_book.toc_from_template(template, {"lessons": [], "exercises": []})


def test_missing_book_sources_give_a_clear_error(tmp_path):
    with pytest.raises(LupusTeachError, match="clone the repository"):
        lt_book.build(root=tmp_path)


def test_command_prints_where_to_open_the_book(monkeypatch, capsys, tmp_path):
    index = tmp_path / "book" / "_build" / "html" / "index.html"
    calls = []

    def fake_build(clean, echo, root, edition):
        calls.append((clean, echo, root, edition))
        report = lt_book.SyncReport(chapters={"lessons": ["lessons/01_a"], "exercises": []})
        return lt_book.BuildResult(index, 3.0, tmp_path / "log", report)

    monkeypatch.setattr(lt_book, "build", fake_build)
    assert main(["book", "build", "--clean", "--quiet"]) == 0
    assert main(["book", "build", "--edition", "instructor", "--root", str(tmp_path)]) == 0
    assert calls == [(True, False, None, "student"), (False, True, tmp_path, "instructor")]
    out = capsys.readouterr().out
    assert str(index) in out and index.as_uri() in out


def test_command_reports_a_failed_build(monkeypatch, capsys):
    def failing_build(**options):
        raise LupusTeachError("The book build failed (exit code 1)")

    monkeypatch.setattr(lt_book, "build", failing_build)
    assert main(["book", "build"]) == 1
    assert "The book build failed" in capsys.readouterr().err


def test_kernel_startup_makes_altair_emit_a_valid_vega_lite_bundle():
    """In a fresh interpreter (Altair's renderer is global state), run the
    startup file of book kernels and check the chart's output is valid nbformat."""
    code = (
        "import json, altair as alt, pandas as pd\n"
        f"exec({lt_book.KERNEL_STARTUP!r})\n"
        "chart = alt.Chart(pd.DataFrame({'m': [0, 6], 'p': [2.24, 1.65]})).mark_line()"
        ".encode(x='m:Q', y='p:Q')\n"
        "bundle = chart._repr_mimebundle_()\n"
        "bundle = bundle[0] if isinstance(bundle, tuple) else bundle\n"
        "print(json.dumps(bundle))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    bundle = json.loads(out)
    mimes = [m for m in bundle if m.startswith("application/vnd.vegalite.")]
    assert len(mimes) == 1 and mimes[0].endswith("+json")
    assert "text/html" not in bundle  # no HTML that would load Vega from a CDN
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("chart")
    cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    nb.cells = [cell]
    nbformat.validate(nb)  # Altair 6's own "...v6.json" MIME type fails here


def test_static_assets_are_written_once(tmp_path):
    first = lt_book.write_static_assets(tmp_path)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in first)
    assert "vendor/mathjax/tex-svg-full.js" in names
    assert "vendor/vega/vega-bundle.js" in names
    bundle = (tmp_path / "vendor" / "vega" / "vega-bundle.js").read_text(encoding="utf-8")
    assert "window.vegaEmbed" in bundle and bundle.rstrip().endswith("})();")
    start = time.perf_counter()
    assert lt_book.write_static_assets(tmp_path) == []
    assert time.perf_counter() - start < 1.5  # the bundle is not regenerated


def test_write_if_changed_is_safe_for_concurrent_writers(tmp_path):
    """Two builds writing the same asset at once must not take each other's temp file."""
    from concurrent.futures import ThreadPoolExecutor

    target = tmp_path / "vendor" / "asset.js"
    payloads = [bytes([i % 7]) * 200_000 for i in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda data: lt_book.write_if_changed(target, data), payloads))
    assert target.read_bytes() in payloads
    assert [p.name for p in target.parent.iterdir()] == ["asset.js"]  # no temp file left
    assert target.stat().st_mode & 0o777 == 0o644


# ---------------------------------------------------------------------------
# Editions and conventions


def solution_lines() -> dict[str, list[str]]:
    """Every distinctive solution line of every exercise master, by master.

    Read with lupus_teach.exercises' own parsing (its Otter markers and
    ``solution_code``); lines of fewer than 8 characters (``)``, ``else:``)
    say nothing about an answer and could occur anywhere, and a line that a
    question shows anyway (an example such as ``answer_q2 = "A"``) is public.
    """
    from lupus_teach import exercises

    found: dict[str, list[str]] = {}
    public: list[str] = []  # what the questions themselves show (e.g. 'answer_q2 = "A"')
    for master in exercises.masters(REPO / "exercises"):
        nb = nbformat.read(master, as_version=4)
        state = ""
        lines: list[str] = []
        for cell in nb.cells:
            marker = exercises._raw_marker(cell)
            if marker:
                state = "solution" if marker == "BEGIN SOLUTION" else ""
                continue
            if state == "solution" and cell.cell_type == "code":
                lines += [line.strip() for line in exercises.solution_code(cell.source)
                          .splitlines() if len(line.strip()) >= 8
                          and not line.strip().startswith("#")]
            elif cell.cell_type != "raw":
                public.append(cell.source)
        found[master.name] = lines
    shown = "\n".join(public)
    return {name: [line for line in lines if line not in shown] for name, lines in found.items()}


def _text_forms(path: Path) -> str:
    """A file's text as a reader or a search would see it: tags gone, entities and JSON
    escapes undone (a highlighted code line is split into many <span>s)."""
    import html as html_lib

    raw = path.read_bytes().decode("utf-8", errors="ignore")
    forms = [raw]
    if path.suffix in {".html", ".htm"}:
        forms.append(html_lib.unescape(re.sub(r"<[^>]+>", "", raw)))
    if path.suffix in {".js", ".json", ".ipynb", ".db", ".sqlite"} or "\\" in raw:
        forms.append(raw.replace('\\"', '"').replace("\\n", "\n").replace("\\'", "'"))
    return "\n".join(forms)


#: A multiple-choice answer line (``answer_q2 = "C"``): on its own not distinctive (a
#: question may show ``answer_q2 = "A"`` as an example of the format).
_CHOICE_LINE = re.compile(r"""^\w+ = ["'][A-Za-z]["']$""")


def leaked_solution_lines(build: Path) -> dict[str, list[str]]:
    """Solution lines found anywhere under a ``_build`` folder, by file.

    A file named after an exercise set (its page, download, executed copy,
    doctree) is searched for every solution line of that set; any other file
    (search index, cache database, other pages) for the distinctive lines of
    every set (all but the one-letter multiple-choice answers).
    """
    by_master = {Path(name).stem: lines for name, lines in solution_lines().items()}
    distinctive = {line for lines in by_master.values() for line in lines
                   if not _CHOICE_LINE.match(line)}
    leaks: dict[str, list[str]] = {}
    for path in sorted(p for p in build.rglob("*") if p.is_file()):
        if path.stat().st_size > 50_000_000 or "vendor" in path.parts:
            continue
        own = [lines for stem, lines in by_master.items() if stem in path.name]
        wanted = distinctive | {line for lines in own for line in lines}
        text = _text_forms(path)
        hits = sorted(line for line in wanted if line in text)
        if hits:
            leaks[path.relative_to(build).as_posix()] = hits
    return leaks


def test_solution_lines_are_read_from_every_master():
    lines = solution_lines()
    assert len(lines) >= 7
    assert all(lines.values()), [name for name, found in lines.items() if not found]


@pytest.mark.xdist_group("book")
@pytest.mark.slow
def test_student_edition_contains_no_solution(built_book):
    assert built_book.edition is lt_book.Edition.STUDENT
    build = lt_book.build_dir(BOOK, "student")
    assert (build / ".jupyter_cache").is_dir()  # the cache is searched too
    assert leaked_solution_lines(build) == {}
    # The exercise pages are there, with their questions.
    page = (HTML / "exercises" / "03_flares.html").read_text(encoding="utf-8")
    assert "Which systems worsened" in page and "Your answer:" in page


@pytest.mark.xdist_group("book")
@pytest.mark.slow
def test_instructor_edition_folds_every_solution(built_instructor_book):
    """The positive control of the search above: it finds the solutions where they are."""
    assert built_instructor_book.index == (INSTRUCTOR_HTML / "index.html").resolve()
    pages = {p.name: _text_forms(p) for p in (INSTRUCTOR_HTML / "exercises").glob("*.html")}
    missing = {name: [line for line in lines if line not in pages.get(
        name.replace(".ipynb", ".html"), "")] for name, lines in solution_lines().items()}
    assert {name: lines for name, lines in missing.items() if lines} == {}
    assert "Show solution" in pages["03_flares.html"]
    assert not (INSTRUCTOR_HTML.parent / "build.log").read_text("utf-8").count("WARNING:")


def test_committed_toc_is_the_generated_one():
    """book/_toc.yml is in git (plain `jupyter-book build book` needs it) and current."""
    import yaml as yaml_lib

    template = yaml_lib.safe_load((BOOK / "_toc.template.yml").read_text(encoding="utf-8"))
    expected = lt_book.toc_text(lt_book.toc_from_template(template, lt_book.chapters_of(REPO)))
    assert (BOOK / "_toc.yml").read_text(encoding="utf-8") == expected, (
        "book/_toc.yml is out of date: run `lupus-teach book build` and commit book/_toc.yml"
    )
    tracked = subprocess.run(["git", "ls-files", "book/_toc.yml"], cwd=REPO,
                             capture_output=True, text=True, check=False).stdout
    assert tracked.strip() == "book/_toc.yml"


def _fresh_clone_like(tmp_path: Path) -> Path:
    """A checkout with the book's sources but none of the generated copies."""
    (tmp_path / "book").mkdir()
    for name in ("_config.yml", "_toc.template.yml", "_toc.yml"):
        (tmp_path / "book" / name).write_bytes((BOOK / name).read_bytes())
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_a.ipynb").write_bytes(_notebook("A"))
    (tmp_path / "exercises").mkdir()
    master = sorted((REPO / "exercises").glob("03_*.ipynb"))[0]
    (tmp_path / "exercises" / master.name).write_bytes(master.read_bytes())
    return tmp_path


def _extension():
    import importlib

    sys.path.insert(0, str(BOOK / "_ext"))
    try:
        return importlib.import_module("lupus_book")
    finally:
        sys.path.remove(str(BOOK / "_ext"))


class _FakeApp:
    def __init__(self, srcdir: Path, outdir: Path):
        self.srcdir, self.outdir = srcdir, outdir


def test_sphinx_hook_writes_the_pages_of_a_plain_jupyter_book_build(tmp_path, monkeypatch):
    root = _fresh_clone_like(tmp_path)
    monkeypatch.delenv(lt_book.EDITION_ENV, raising=False)
    ext = _extension()
    ext._sync_edition(_FakeApp(root / "book", root / "book" / "_build" / "html"), None)
    assert (root / "book" / "lessons" / "01_a.ipynb").is_file()
    page = next((root / "book" / "exercises").glob("03_*.ipynb")).read_text(encoding="utf-8")
    assert "Which systems worsened" in page
    assert solution_lines()[next((root / "exercises").glob("*.ipynb")).name][0] not in page

    monkeypatch.setenv(lt_book.EDITION_ENV, "instructor")
    with pytest.raises(Exception, match="instructor edition of the book is built into"):
        ext._sync_edition(_FakeApp(root / "book", root / "book" / "_build" / "html"), None)
    ext._sync_edition(_FakeApp(root / "book", lt_book.build_dir(root / "book", "instructor")
                               / "html"), None)
    page = next((root / "book" / "exercises").glob("03_*.ipynb")).read_text(encoding="utf-8")
    assert "Show solution" in page


def test_lesson_copies_hide_quiz_code_and_answer_folds():
    source = (REPO / "notebooks" / "02_bilag_index.ipynb").read_bytes()
    nb = nbformat.reads(lt_book.lesson_for_book(source).decode("utf-8"), as_version=4)
    quiz_cells = [c for c in nb.cells if c.cell_type == "code" and "self_check(" in c.source
                  and "import" not in c.source.split("self_check(")[0][-40:]]
    assert quiz_cells
    assert all("remove-input" in c.metadata.get("tags", []) for c in quiz_cells)
    assert not any("<summary>Show the answer" in c.source for c in nb.cells)
    assert nb.cells[0].metadata["tags"] == ["remove-cell"]  # the rendering stamp


def test_lesson_2_model_grades_are_folded_and_not_spelled_out_in_code():
    """The three patients' model grades come from lupus_teach.cases, and the cells that
    show them are folded in the book (hide-cell), so a reader grades them first."""
    import json

    from lupus_teach.cases import MODEL_GRADES

    source = (REPO / "notebooks" / "02_bilag_index.ipynb").read_bytes()
    nb = nbformat.reads(lt_book.lesson_for_book(source).decode("utf-8"), as_version=4)
    showing = [c for c in nb.cells if c.cell_type == "code" and "vignettes.items()" in c.source]
    assert showing
    assert all("hide-cell" in c.metadata.get("tags", []) for c in showing)
    for name, grades in MODEL_GRADES.items():
        spelled = json.dumps(dict(grades))[1:-1]
        assert not any(spelled in c.source for c in nb.cells if c.cell_type == "code"), name


@pytest.mark.xdist_group("book")
@pytest.mark.slow
def test_layout_conventions(built_book):
    """The simulated-cohort note once per lesson; every chart's exports named after it;
    the definitions page's contents list names each definition."""
    from lupus_teach.data import COHORT_NOTE
    from lupus_teach.response import DEFINITIONS

    note = COHORT_NOTE[:60]
    for page in sorted((HTML / "lessons").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert text.count(note) <= 1, page.name
        for match in re.finditer(r'<div class="lupus-vega-chart"[^>]*>', text):
            name = re.search(r'data-file-name="([^"]+)"', match.group(0))
            assert name and name.group(1) not in ("chart", "visualization"), page.name
    definitions = (HTML / "definitions.html").read_text(encoding="utf-8")
    side = definitions.split('id="pst-page-navigation-heading-2"', 1)[-1]
    side = side.split("</nav>", 1)[0]
    for name in DEFINITIONS:
        assert f"<code class=\"docutils literal notranslate\"><span class=\"pre\">{name}" \
               f"</span></code>" in side or name in side, name
