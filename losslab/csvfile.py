"""An uploaded table of (x, y) points (or x1, x2, label rows for the binary lab), as spreadsheets really save it: UTF-8 (with or without a
BOM), UTF-16 ("Unicode text"), Korean Excel's CP949/EUC-KR, Latin-1; commas, semicolons, tabs
or spaces between columns; decimal commas when the columns are not separated by commas.

Where a file still cannot be read, the one sentence says what was seen (encoding, delimiter,
the row) and what to do. Torch-free."""

from __future__ import annotations

import csv
import hashlib
import math
import threading
from collections import OrderedDict

from .config import MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS
from .i18n import Problem, t

# Tried in this order; CP949 is a superset of EUC-KR (what Korean Excel calls "CSV").
ENCODINGS = ("utf-8-sig", "cp949", "latin-1")
# (delimiter, catalogue key); None = any run of whitespace. Ties go to the earlier one.
DELIMITERS = ((",", "csv.comma"), (";", "csv.semicolon"), ("\t", "csv.tab"), (None, "csv.space"))
MAX_VALUE = 1e6
MAX_LINE = 1_000  # bytes in one line: a row of two or three numbers needs ~60 (csv's own limit is 128 KB)
SNIFF_LINES = 201  # the delimiter is chosen on the first lines (a header and 200 rows), then one parse


class DataError(Problem):
    """Bad or missing data; the message is one sentence a user can act on, in their language."""


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) by an ordered try; binary files are refused before this."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), "UTF-16"
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "cp949" and not _mostly_hangul(text):
            continue  # Latin-1 bytes that happen to pair up (Größe): read as Hanja, not as Korean
        if encoding == "latin-1" and any(0x80 <= ord(c) < 0xA0 for c in text):
            break  # C1 control characters: not a text file in any of these encodings
        return text, {"utf-8-sig": "UTF-8", "cp949": "CP949 (EUC-KR)", "latin-1": "Latin-1"}[encoding]
    raise DataError("csv.encoding", start=data[:12].hex(" "))


def _mostly_hangul(text: str) -> bool:
    wide = [c for c in text if ord(c) > 0x7F]
    return sum("\uac00" <= c <= "\ud7a3" or "\u3131" <= c <= "\u318e" for c in wide) * 2 >= len(wide)


def _rows(lines: list[str], delimiter) -> list[list[str]]:
    if delimiter is None:
        return [line.split() for line in lines]
    try:
        return [row for row in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in row)]
    except csv.Error as exc:  # e.g. a quote left open: one sentence, not Streamlit's generic error
        raise DataError("csv.unreadable", problem=str(exc)[:80]) from None


def _number(cell: str, decimal_comma: bool) -> float:
    cell = cell.strip()
    if decimal_comma:
        cell = cell.replace(",", ".")
    return float(cell)


def _cells(row, decimal_comma: bool, columns: int = 2):
    try:
        return tuple(_number(row[k], decimal_comma) for k in range(columns))
    except (ValueError, IndexError):
        return None


def _choose(lines: list[str], columns: int):
    """The delimiter under which most of the first rows read as `columns` numbers (the header row
    aside); then the whole file is parsed once, with it (it was four full parses before)."""
    best = None
    for delimiter, key in DELIMITERS:
        rows = _rows(lines[:SNIFF_LINES], delimiter)
        decimal_comma = delimiter != ","
        body = rows[1:] if rows and _cells(rows[0], decimal_comma, columns) is None else rows
        score = sum(_cells(r, decimal_comma, columns) is not None for r in body)
        if best is None or score > best[0]:
            best = (score, delimiter, key, decimal_comma)
    _, delimiter, key, decimal_comma = best
    return delimiter, key, _rows(lines, delimiter), decimal_comma


def _check_raw(data: bytes, columns: int) -> None:
    """What can be judged on the bytes, before any decoding or parsing: a file too big, too many
    rows, a line too long. A 2 MB file cost 16 s of a server's CPU to be refused after parsing."""
    if not data:
        raise DataError("csv.empty" if columns == 2 else "csv.empty3")
    if len(data) > MAX_UPLOAD_BYTES:
        raise DataError("csv.too_big", mb=f"{len(data) / 1e6:.1f}", limit_mb=f"{MAX_UPLOAD_BYTES / 1e6:.0f}",
                        rows=f"{MAX_UPLOAD_ROWS:,}")
    wide = 2 if data[:2] in (b"\xff\xfe", b"\xfe\xff") else 1  # UTF-16: two bytes a character
    lines = data.splitlines()  # \n, \r\n, and the lone \r of Excel's "CSV (Macintosh)"
    longest = max(lines, key=len)
    if len(longest) > MAX_LINE * wide:
        raise DataError("csv.long_line", row=lines.index(longest) + 1, n=f"{len(longest) // wide:,}", limit=f"{MAX_LINE:,}")
    filled = sum(1 for line in lines if line.strip(b" \t\r\x00"))
    if filled > MAX_UPLOAD_ROWS + 1:  # one header row allowed
        raise DataError("csv.many_rows", rows=f"{filled:,}", limit=f"{MAX_UPLOAD_ROWS:,}")


_PARSED: "OrderedDict[tuple, tuple]" = OrderedDict()  # (sha256, columns) → result: a file is parsed once
_PARSED_LOCK = threading.Lock()
PARSED_KEEP = 64


def _cached(data: bytes, columns: int, parse):
    """parse(data) once per file content: every rerun of the page hands the same upload again."""
    key = (hashlib.sha256(data).digest(), columns)
    with _PARSED_LOCK:
        if key in _PARSED:
            _PARSED.move_to_end(key)
            found = _PARSED[key]
            if isinstance(found, DataError):
                raise found
            return found
    try:
        result = parse(data)
    except DataError as exc:
        result = exc
    with _PARSED_LOCK:
        _PARSED[key] = result
        while len(_PARSED) > PARSED_KEEP:
            _PARSED.popitem(last=False)
    if isinstance(result, DataError):
        raise result
    return result


def _read(data: bytes, columns: int) -> tuple[list[tuple], dict]:
    """Rows of `columns` finite numbers and how the file was read; one sentence on any problem."""
    _check_raw(data, columns)
    if b"\x00" in data[:4096] and data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        raise DataError("csv.binary")
    text, encoding = decode(data)
    lines = [line for line in text.splitlines() if line.strip()]
    delimiter, delimiter_key, rows, decimal_comma = _choose(lines, columns)
    seen = {"encoding": encoding, "delimiter": t(delimiter_key)}
    if rows and _cells(rows[0], decimal_comma, columns) is None and len(rows[0]) >= columns:
        rows = rows[1:]  # a header row (Hangul or not)
    if len(rows) < 2:
        raise DataError("csv.few_rows" if columns == 2 else "csv.few_rows3", rows=len(rows), **seen)
    if len(rows) > MAX_UPLOAD_ROWS:
        raise DataError("csv.many_rows", rows=f"{len(rows):,}", limit=f"{MAX_UPLOAD_ROWS:,}")
    points = []
    for i, row in enumerate(rows, start=1):
        if len(row) < columns:
            if columns == 2:
                raise DataError("csv.one_column", row=i, first=repr(row[0][:40]) if row else "''",
                                delimiter=seen["delimiter"])
            raise DataError("csv.few_columns", row=i, n=len(row), delimiter=seen["delimiter"])
        cells = _cells(row, decimal_comma, columns)
        if cells is None:
            raise DataError("csv.not_numbers", row=i, cells=repr(" | ".join(row[:columns])[:60]), **seen)
        if not all(math.isfinite(v) for v in cells):
            raise DataError("csv.not_finite", row=i)
        if any(abs(v) > MAX_VALUE for v in cells):
            raise DataError("csv.too_large", row=i)
        points.append(cells)
    used_comma = decimal_comma and any("," in c for r in rows[:50] for c in r[:columns])
    return points, {**seen, "decimal_comma": used_comma}


def parse_points_csv(data: bytes) -> tuple[tuple[tuple[float, float], ...], dict]:
    """The (x, y) points of an uploaded file and how it was read ({"encoding", "delimiter", "decimal_comma"}).

    Raises DataError with one sentence saying what is wrong and how to fix it."""
    return _cached(data, 2, _parse_points)


def _parse_points(data: bytes):
    points, seen = _read(data, 2)
    if len({p[0] for p in points}) < 2:
        raise DataError("csv.same_x")
    return tuple(points), seen


def parse_labelled_csv(data: bytes) -> tuple[tuple[tuple[float, float, int], ...], dict]:
    """(x1, x2, label) rows for the binary lab: the label column holds 0 or 1, both present."""
    return _cached(data, 3, _parse_labelled)


def _parse_labelled(data: bytes):
    rows, seen = _read(data, 3)
    points = []
    for i, (x1, x2, label) in enumerate(rows, start=1):
        if label not in (0.0, 1.0):
            raise DataError("csv.label", row=i, got=f"{label:g}")
        points.append((x1, x2, int(label)))
    if len({p[2] for p in points}) < 2:
        raise DataError("csv.one_class", label=points[0][2])
    return tuple(points), seen
