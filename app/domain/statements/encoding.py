"""A statement file's bytes as text: the encoding is decided on the whole file, and bytes that
are not text in it are refused with their row and column (docs/statement-formats.md).

UTF-16 with BOM, UTF-8 with BOM, UTF-8, else GBK (read as its superset GB 18030). A file that is
not valid UTF-8 is still a UTF-8 file when its valid multi-byte characters outnumber the invalid
spots by more than 2 to 1, or when its one invalid spot is a character cut off at the very end:
GBK text read as UTF-8 gives about one valid character for three invalid spots, while a UTF-8
file cut in the middle of a character, or with a damaged byte, gives one or a few spots among
many characters. Such a file is refused, never read as GBK (which turned a cut ``张`` into a
payer ``寮``).
"""

import bisect
import codecs
import csv
import re
from itertools import islice

from .core import BAD_BYTES, UNREADABLE_TEXT, Problem, StatementError, text_of

MARK = "\ufdd0"  # a noncharacter: stands for bytes that are not text in the file's encoding
MARKING = "wuye.statements.mark"
MAX_SPOTS = 100  # more than this, or more spots than characters: not text at all
HEADER_SCAN = 30  # the header of a damaged file is looked for among its first table lines


def _mark(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)  # registered for decoding only
    return MARK, error.end


codecs.register_error(MARKING, _mark)
_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Physical lines, split only on CR/LF so that line numbers match an editor's."""
    return _BREAK.split(text)


def delimiter(text: str) -> str:
    """Tab when the first non-empty line has tabs and no comma, else comma."""
    first = next((line for line in split_lines(text) if line.strip()), "")
    return "\t" if "\t" in first and "," not in first else ","


def _odd(text: str) -> bool:
    """True when some character is unlike a Chinese statement's (ASCII, CJK, CJK and
    full-width punctuation, general punctuation, ¥, ·)."""
    return any(
        not (
            ch < "\x80"
            or "\u4e00" <= ch <= "\u9fff"
            or "\u3000" <= ch <= "\u303f"
            or "\uff00" <= ch <= "\uffef"
            or "\u2000" <= ch <= "\u206f"
            or ch in "¥·\ufeff"
        )
        for ch in text
    )


def _common_gbk(text: str) -> bool:
    """True when every non-ASCII character is a GB 2312 symbol or level-1 (common) hanzi."""
    return all(
        ch < "\x80"
        or 0xA1 <= ch.encode("gb18030")[0] <= 0xA3
        or 0xB0 <= ch.encode("gb18030")[0] <= 0xD7
        for ch in text
    )


def decode(data: bytes) -> str:
    """The text of ``data``; raises ``StatementError`` naming where it is not text.

    Short GBK text can also be valid UTF-8 (``业`` is D2 B5, which UTF-8 reads as ``ҵ``):
    without a BOM, GBK wins over valid UTF-8 only when UTF-8 gives characters foreign to a
    Chinese statement and GBK gives only common Chinese ones.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data, "utf-8-sig")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _strict(data, "utf-8" if _damaged_utf8(data) else "gb18030")
    if _odd(text):
        try:
            gbk = data.decode("gb18030")
        except UnicodeDecodeError:
            return text
        if _common_gbk(gbk):
            return gbk
    return text


def _counts(text: str, spot: str) -> tuple[int, int]:
    """(non-ASCII characters, spots) of a text decoded with ``spot`` for undecodable bytes."""
    spots = text.count(spot)
    return len(text) - len(text.encode("ascii", "ignore")) - spots, spots


def _damaged_utf8(data: bytes) -> bool:
    """Whether ``data``, not valid UTF-8, is a damaged UTF-8 file rather than GBK."""
    text = data.decode("utf-8", errors="replace")
    good, bad = _counts(text, "\ufffd")
    cut_off = bad == 1 and text.endswith("\ufffd")
    return good > 2 * bad or (cut_off and good > 0)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        pass
    text = data.decode(encoding, errors=MARKING)
    good, bad = _counts(text, MARK)
    if bad > MAX_SPOTS or bad >= good:
        raise StatementError([Problem(0, "", UNREADABLE_TEXT)])
    raise StatementError(_spots(text))


def _fields(line: str, sep: str) -> list[str]:
    if line.startswith("`"):  # WeChat's backticked fields
        return line.split(",`")
    return next(csv.reader([line], delimiter=sep), None) or [""]


def _spots(text: str) -> list[Problem]:
    """A problem for each (row, column) holding undecodable bytes. The column is named by the
    header: the first table line (not blank, not a ``#`` comment) above the row with at least
    4/5 of the most fields any of the first table lines has."""
    lines, sep = split_lines(text), delimiter(text)
    starts = [0] + [m.end() for m in _BREAK.finditer(text)]
    numbered = enumerate(lines, start=1)
    table = [
        (row, _fields(line, sep))
        for row, line in islice(
            ((r, line) for r, line in numbered if line.strip() and not line.startswith("#")),
            HEADER_SCAN,
        )
    ]
    problems: list[Problem] = []
    for found in re.finditer(MARK, text):
        row = bisect.bisect_right(starts, found.start())
        above = [fields for r, fields in table if r < row]
        name = ""
        if above:
            most = max(len(fields) for fields in above)
            header = next(fields for fields in above if len(fields) * 5 >= most * 4)
            index = len(_fields(text[starts[row - 1] : found.start()], sep)) - 1
            name = text_of(header[index]) if index < len(header) else ""
        problem = Problem(row, name, BAD_BYTES)
        if problem not in problems:
            problems.append(problem)
    return problems
