"""The one place where ``lupus_teach`` writes files: nothing it writes can destroy data.

Every command that writes a file (``classify -o``, ``report -o``, ``simulate
-o``, ``exercises release --out``) and the Python functions behind them write
through this module, which follows three rules:

1. **Never over an input.** The output is compared with each of the command's
   inputs by resolved path *and* by file identity (device and inode from
   :func:`os.stat`), so a symbolic link or a hard link to an input is caught
   too. This is refused even with ``--force``.
2. **Never replace silently.** An existing file is replaced only when
   ``force=True`` (``--force`` on the command line); otherwise
   :class:`~lupus_teach.errors.OutputRefusedError` says so and nothing is
   written.
3. **Never half a file, never through a link.** The data go to a temporary
   file in the target folder, which is then renamed into place with
   :func:`os.replace` (atomic on one file system): an interrupted run leaves
   the old file or the new one, and a symbolic link at the output path is
   replaced by the new file, never followed into the file it points to.

CSV files are also made safe to open in a spreadsheet (:func:`spreadsheet_safe`):
a text cell starting with ``=``, ``+``, ``-``, ``@``, ``|``, a tab or a
carriage return gets a leading apostrophe, as the OWASP guidance on CSV
injection recommends, so a patient id such as ``=HYPERLINK(...)`` is shown as
text instead of running as a formula. Numbers are untouched, and DataFrames
returned to Python keep the raw values.

Only the standard library is used (:mod:`tempfile`, :func:`os.replace`):
there is no well-kept package for this small job that also checks inputs.

Examples
--------
>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as folder:
...     out = pathlib.Path(folder, "note.txt")
...     _ = write_text(out, "first")
...     try:
...         write_text(out, "second")
...     except OutputRefusedError as err:
...         print("refused:", err.reason)
...     _ = write_text(out, "second", force=True)
...     print(out.read_text())
refused: exists
second
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lupus_teach.errors import OutputRefusedError, inert

__all__ = [
    "FORMULA_PREFIXES",
    "OutputRefusedError",
    "check_output_path",
    "replace_directory",
    "spreadsheet_safe",
    "write_bytes",
    "write_csv",
    "write_text",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "|", "\t", "\r")

PathLike = str | os.PathLike[str]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino)


def _paths(inputs: Iterable[object]) -> list[Path]:
    """The inputs that are paths (DataFrames and open files are skipped)."""
    return [Path(p) for p in inputs if isinstance(p, (str, os.PathLike))]


def _is_within(inner: Path, outer: Path) -> bool:
    try:
        inner.relative_to(outer)
    except ValueError:
        return False
    return True


def check_output_path(
    path: PathLike, *, inputs: Iterable[object] = (), force: bool = False,
    directory: bool = False,
) -> Path:
    """Check that ``path`` may be written; return it as a :class:`~pathlib.Path`.

    Parameters
    ----------
    path : path
        The output file (or folder, with ``directory=True``).
    inputs : iterable of paths
        The files the command reads. Items that are not paths (a DataFrame, an
        open file) are ignored.
    force : bool
        Allow replacing an existing output (never an input).
    directory : bool
        The output is a folder: it is refused when an input lies inside it
        (replacing the folder would delete the input), and an existing folder
        needs ``force``.

    Raises
    ------
    OutputRefusedError
        ``reason="input"`` when the output is an input (by path or by file
        identity), ``"exists"`` when it exists and ``force`` is false,
        ``"folder"`` when a file output is an existing folder or the other
        way round.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     data = pathlib.Path(folder, "visits.csv"); _ = data.write_text("x")
    ...     link = pathlib.Path(folder, "link.csv"); os.link(data, link)
    ...     try:
    ...         check_output_path(link, inputs=[data], force=True)
    ...     except OutputRefusedError as err:
    ...         print(err.reason)
    input
    """
    target = Path(path)
    shown = inert(os.fspath(path))
    resolved = target.resolve()
    identity = _identity(target)
    for source in _paths(inputs):
        source_resolved = source.resolve()
        same = resolved == source_resolved or (
            identity is not None and identity == _identity(source)
        )
        inside = directory and _is_within(source_resolved, resolved)
        if same or inside:
            what = "holds the input" if inside and not same else "is the input"
            raise OutputRefusedError(
                path, "input",
                f"{shown}: not written: it {what} {inert(os.fspath(source))}, which would be "
                "destroyed. Choose another output name (this is refused even with --force).",
            )
    exists = target.exists() or target.is_symlink()
    if exists and target.is_dir() != directory and not target.is_symlink():
        kind = "a folder" if target.is_dir() else "a file"
        raise OutputRefusedError(
            path, "folder", f"{shown}: not written: it is {kind}, not the "
            f"{'folder' if directory else 'file'} expected. Choose another output name.",
        )
    if exists and not force:
        raise OutputRefusedError(
            path, "exists",
            f"{shown}: not written: it already exists. Choose another name, or use --force "
            "to replace it (Python: overwrite=True).",
        )
    return target


def write_bytes(
    path: PathLike, data: bytes, *, inputs: Iterable[object] = (), force: bool = False,
    make_parents: bool = False,
) -> Path:
    """Write ``data`` to ``path`` safely (see the module's rules); return the path.

    The new file gets the usual permissions (``0o666`` less the umask), not
    the temporary file's.

    Parameters
    ----------
    path : path
        The file to write.
    data : bytes
        Its content.
    inputs : iterable of paths
        The command's inputs, never overwritten (see :func:`check_output_path`).
    force : bool
        Replace an existing file.
    make_parents : bool
        Create missing parent folders (default: a missing folder is an error,
        :class:`FileNotFoundError`, which usually means a typing error).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     real = pathlib.Path(folder, "real.csv"); _ = real.write_text("keep me")
    ...     link = pathlib.Path(folder, "link.csv"); link.symlink_to(real)
    ...     _ = write_bytes(link, b"new", force=True)
    ...     real.read_text(), link.is_symlink(), link.read_bytes()
    ('keep me', False, b'new')
    """
    inputs = list(inputs)
    target = check_output_path(path, inputs=inputs, force=force)
    folder = target.parent
    if make_parents:
        folder.mkdir(parents=True, exist_ok=True)
    elif not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, "the folder does not exist", os.fspath(folder))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        # checked again just before the rename: the inputs may have been linked meanwhile
        check_output_path(target, inputs=inputs, force=force)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


def write_text(
    path: PathLike, text: str, *, inputs: Iterable[object] = (), force: bool = False,
    make_parents: bool = False, encoding: str = "utf-8",
) -> Path:
    """Write ``text`` (UTF-8) to ``path`` safely; see :func:`write_bytes`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_text(pathlib.Path(folder, "a", "b.txt"), "hi", make_parents=True).read_text()
    'hi'
    """
    return write_bytes(path, text.encode(encoding), inputs=inputs, force=force,
                       make_parents=make_parents)


def _safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas.

    Every text cell (and column name) starting with one of
    :data:`FORMULA_PREFIXES` gets a leading apostrophe, which spreadsheets
    read as "this is text". Numeric columns are untouched, so ``-1.5`` stays a
    number; the text ``"-1.5"`` in a text column is prefixed.

    Examples
    --------
    >>> frame = pd.DataFrame({"patient_id": ["=HYPERLINK(\\"http://x\\")", "@SUM(1)", "p3"],
    ...                       "change": [-1.5, 2.0, 0.0]})
    >>> print(spreadsheet_safe(frame).to_csv(index=False).strip())
    patient_id,change
    "'=HYPERLINK(""http://x"")",-1.5
    '@SUM(1),2.0
    p3,0.0
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(
                column.dtype):
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        out.isetitem(position, pd.Series(_safe_values(column), index=out.index, dtype=object))
    out.columns = [_safe_cell(c) for c in out.columns]
    return out


#: A line starting with one of the (one-character) :data:`FORMULA_PREFIXES`; a value
#: holding a line break can only add false alarms, which the per-value check clears.
_FIRST_CHARACTER = re.compile("(?:\\A|\n)[" + "".join(re.escape(p) for p in FORMULA_PREFIXES)
                              + "]") if all(len(p) == 1 for p in FORMULA_PREFIXES) else None


def _safe_values(column: pd.Series) -> np.ndarray | list[object]:
    """:func:`_safe_cell` of every cell, worked out once per distinct text value.

    A column of text (and missing values) is factorised
    (:func:`pandas.factorize`), so a 100,000-row table with a few hundred
    distinct reasons costs a few hundred checks; any other column (mixed
    types, where ``1`` and ``True`` would share a hash) is checked cell by cell.
    """
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        return [_safe_cell(v) for v in values]
    codes, uniques = pd.factorize(values)
    if _FIRST_CHARACTER is not None and _FIRST_CHARACTER.search("\n".join(uniques)) is None:
        return values  # no distinct value starts with a prefix (one regex over them all)
    safe = np.array([_safe_cell(u) for u in uniques] + [None], dtype=object)
    changed = np.flatnonzero(safe[:-1] != np.asarray(uniques, dtype=object))
    if not len(changed):
        return values
    out = values.copy()
    rows = np.isin(codes, changed)
    out[rows] = safe[codes[rows]]
    return out


def write_csv(
    path: PathLike, frame: pd.DataFrame, *, inputs: Iterable[object] = (), force: bool = False,
    make_parents: bool = False, **to_csv: Any,
) -> Path:
    """Write a DataFrame as spreadsheet-safe CSV (:func:`spreadsheet_safe`) to ``path``.

    Keyword arguments go to :meth:`pandas.DataFrame.to_csv` (``index=False``
    unless given).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write_csv(pathlib.Path(folder, "t.csv"), pd.DataFrame({"id": ["+cmd"]}))
    ...     out.read_text()
    "id\\n'+cmd\\n"
    """
    to_csv.setdefault("index", False)
    safe = spreadsheet_safe(frame)
    if "\r" not in to_csv.get("lineterminator", "\n") and _any_text_with(safe, "\r"):
        # pandas quotes a cell holding a line ending only if it is part of the
        # line terminator: a lone carriage return would split the row otherwise
        to_csv["lineterminator"] = "\r\n"
    text = safe.to_csv(None, **to_csv)
    return write_text(path, text, inputs=inputs, force=force, make_parents=make_parents)


def _any_text_with(frame: pd.DataFrame, char: str) -> bool:
    """True when a text cell or a column name holds ``char`` (vectorised per column)."""
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) == "string":
            distinct = pd.unique(column.dropna())
            if len(char) == 1 and char in "".join(distinct):  # one search over all of them
                return True
            if len(char) != 1 and any(char in text for text in distinct):
                return True
        elif column.dtype == object and column.map(type).eq(str).any():
            text = column[column.map(type).eq(str)].astype(str)
            if text.str.contains(char, regex=False).any():
                return True
    return any(isinstance(c, str) and char in c for c in frame.columns)


@contextlib.contextmanager
def replace_directory(
    path: PathLike, *, inputs: Iterable[object] = (), force: bool = False
) -> Iterator[Path]:
    """Build a folder in a temporary sibling, then move it into place at ``path``.

    The rules are those of :func:`check_output_path` with ``directory=True``:
    a folder holding an input is never replaced, an existing one only with
    ``force``. If the body raises, the temporary folder is removed and the
    old folder is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with replace_directory(pathlib.Path(folder, "set")) as work:
    ...         _ = (work / "a.txt").write_text("a")
    ...     sorted(p.name for p in pathlib.Path(folder, "set").iterdir())
    ['a.txt']
    """
    inputs = list(inputs)
    target = check_output_path(path, inputs=inputs, force=force, directory=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        yield work
        check_output_path(target, inputs=inputs, force=force, directory=True)
        old = None
        if target.is_symlink():
            target.unlink()
        elif target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.",
                                        suffix=".old"))
            os.replace(target, old / target.name)
        os.replace(work, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
