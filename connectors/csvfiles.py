"""CSV files as spreadsheets write them: encoding, byte-order mark, delimiter, line endings.

The dialect of a file is read once from its first bytes and kept, so the file written back
opens in the same spreadsheet the same way (a `;` file stays a `;` file, a BOM stays).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from connectors.errors import ConfigError

_SAMPLE = 64 * 1024
_SNIFF_LINES = 50
_DELIMITERS = ",;\t|"
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip
ENCODING_HINT = "re-run with --encoding cp1252 (Excel 'CSV (Comma delimited)' on Windows)"


@dataclass(frozen=True)
class Dialect:
    """How a file is written: codec, byte-order mark, delimiter, line ending, decimal mark."""

    encoding: str = "utf-8"
    bom: bool = False
    delimiter: str = ","
    newline: str = "\r\n"

    @property
    def decimal_comma(self) -> bool:
        """Return True when numbers use a decimal comma (Excel in `;` locales)."""
        return self.delimiter == ";"

    @property
    def output_encoding(self) -> str:
        """Return the codec to write with: Unicode always, with a BOM when it had one or a
        legacy code page was read (Excel recognises the file as UTF-8 only by its BOM)."""
        if self.encoding == "utf-16":
            return "utf-16"
        return "utf-8-sig" if self.bom or not _is_utf8(self.encoding) else "utf-8"


def sniff(path: Path, encoding: str | None = None, hint: str = ENCODING_HINT) -> Dialect:
    """Read a file's dialect from its first bytes; ConfigError naming the line if undecodable."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    bom = next((codec for mark, codec in _BOMS if head.startswith(mark)), None)
    codec = bom or _codec(encoding or "utf-8")
    if codec == "utf-8" and bom is None:
        codec = "utf-8-sig"  # harmless without a BOM, and strips one a later tool added
    text = _decode_sample(path, head, codec, hint)
    lines = text.splitlines(keepends=True)[:_SNIFF_LINES]
    first = lines[0] if lines else ""
    newline = "\r\n" if first.endswith("\r\n") or (not lines and b"\r\n" in head) else "\n"
    return Dialect(codec, bom is not None, _delimiter("".join(lines), first), newline)


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ConfigError(f"unknown encoding {name!r} (try cp1252, latin-1 or utf-8)") from None


def _is_utf8(codec: str) -> bool:
    return codec in ("utf-8", "utf-8-sig")


def _decode_sample(path: Path, head: bytes, codec: str, hint: str) -> str:
    # a sample may end inside a character: decode incrementally without the final flush
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        return str(decoder.decode(head, final=len(head) < _SAMPLE))
    except UnicodeDecodeError as exc:
        raise not_decodable(path, codec, head[: exc.start], hint) from None


def not_decodable(path: Path, codec: str, before: bytes, hint: str) -> ConfigError:
    """Return the one-line error for bytes the codec cannot read, naming the line."""
    line = before.count(b"\n") + 1
    name = "UTF-8" if _is_utf8(codec) else codec
    fix = hint if _is_utf8(codec) else "check the encoding it is read with"
    return ConfigError(f"{path.name} is not {name} (line {line}): {fix}, or save it as CSV UTF-8")


def decode_error(path: Path, dialect: Dialect, hint: str = ENCODING_HINT) -> ConfigError:
    """Find the first line past the sample that the codec cannot read and name it."""
    decoder = codecs.getincrementaldecoder(dialect.encoding)()
    done = b""
    with path.open("rb") as handle:
        for raw in handle:
            try:
                decoder.decode(raw)
            except UnicodeDecodeError:
                return not_decodable(path, dialect.encoding, done, hint)
            done += b"\n"
    return not_decodable(path, dialect.encoding, done, hint)


def _delimiter(sample: str, header: str) -> str:
    """Pick the delimiter with csv.Sniffer among , ; tab | (comma when it cannot tell)."""
    try:
        found = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        found = ","
    if found not in header:  # a one-column file or a guess the header contradicts
        counts = {d: header.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        found = best if counts[best] else ","
    return found


def rows(
    path: Path, dialect: Dialect, hint: str = ENCODING_HINT
) -> Iterator[tuple[int, list[str]]]:
    """Yield (spreadsheet row number, cells) for every row, the header being row 1."""
    with path.open(newline="", encoding=dialect.encoding) as handle:
        reader = csv.reader(handle, delimiter=dialect.delimiter)
        n = 0
        try:
            for cells in reader:
                n += 1
                yield n, cells
        except csv.Error as exc:
            raise ConfigError(f"{path.name} line {n + 1}: {exc}") from None
        except UnicodeDecodeError:
            raise decode_error(path, dialect, hint) from None


_TOTAL = re.compile(r"^(grand\s+)?(sub)?totals?\b", re.IGNORECASE)
_NOTICE = re.compile(r"^(copyright|confidential|generated by)\b", re.IGNORECASE)
_FOOTER_INITIALS = frozenset("tTsSgGcC\u017f")  # \u017f (long s) matches "s" ignoring case
_RECORDS = re.compile(r"\((\d[\d,.]*)\s+records?\)", re.IGNORECASE)


def filled(cells: list[str]) -> list[str]:
    """Return the non-blank cells of a row."""
    return [c for c in cells if c.strip()]


def footer_start(cells: list[str]) -> bool:
    """Return True for the first row of a report export's footer (totals or notices)."""
    values = filled(cells)
    if not values:
        return False
    first = values[0].strip()
    return bool(_TOTAL.match(first)) or (len(values) == 1 and bool(_NOTICE.match(first)))


def plain_row(cells: list[str]) -> bool:
    """Return True for a row that is surely data: its first cell is filled and starts no footer.

    The usual row; anything else (a blank first cell, "Total…") gets the full checks.
    """
    head = cells[0] if cells else ""
    if not head or head[0].isspace():
        return False
    # footers start with "total", "sub", "grand", "copyright", "confidential", "generated"
    return head[0] not in _FOOTER_INITIALS or not (_TOTAL.match(head) or _NOTICE.match(head))


def footer_row(cells: list[str]) -> bool:
    """Return True for a row that may follow a footer's start (blank, one cell, or totals)."""
    values = filled(cells)
    return len(values) <= 1 or bool(_TOTAL.match(values[0].strip()))


def records_claimed(cells: list[str]) -> int | None:
    """Return the record count a totals row states ("Grand Totals (12 records)"), if any."""
    for value in filled(cells):
        match = _RECORDS.search(value)
        if match:
            return int(re.sub(r"[,.]", "", match.group(1)))
    return None


def writer_for(handle: IO[str], dialect: Dialect) -> Any:
    """Return a csv writer in the file's own dialect (delimiter, line ending)."""
    return csv.writer(handle, delimiter=dialect.delimiter, lineterminator=dialect.newline)
