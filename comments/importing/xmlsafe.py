"""Reading an export file as a stream of XML events, safely, in flat memory.

Both parsers read through :class:`XmlStream`, which owns the three promises
every import makes about the file:

* **Defused.** defusedxml's parser refuses entity declarations, so external
  entities (XXE) and entity-expansion bombs ("billion laughs") are rejected
  before anything is expanded. A document type declaration that declares no
  entities is allowed: it is harmless once entities are refused, and expat
  never fetches an external DTD. WordPress and Disqus write neither.
* **Streaming.** Events come from ``iterparse``; the parsers remove each
  element from its parent once they've read it, so memory stays flat however
  big the file is.
* **Clear failures.** Every parse failure becomes an :class:`ImportFileError`
  with the line (and 1-based column) and a sentence a site owner can act on.
  A file that ends early is reported as cut off rather than as bad XML.

``lenient=True`` repairs the damage real exports are known to have before the
XML parser sees it (see :class:`_Repairer`), and reports each kind of repair
as a :class:`Skipped` record so the import summary shows it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from .records import ImportFileError, Skipped

Source = str | os.PathLike[str] | IO[bytes]
Progress = Callable[[int], None]

# iterparse asks for 16 KiB at a time; the repairer reads in bigger steps.
_REPAIR_CHUNK = 64 * 1024
# A repaired piece ends at a ">" so no tag is ever split; past this size the
# piece is passed on anyway (a huge text with no markup at all).
_REPAIR_MAX_PENDING = 1024 * 1024

LENIENT_HINT = "import it again with --lenient to skip what can't be read"


def split_tag(tag: str) -> tuple[str, str]:
    """``"{uri}local"`` -> ``("uri", "local")``; no namespace gives ``""``."""
    if tag[:1] == "{":
        uri, _, local = tag[1:].partition("}")
        return uri, local
    return "", tag


def text_of(elem: Element | None) -> str:
    """An element's text with the surrounding whitespace of pretty-printing removed.

    Exporters indent around CDATA sections (``<content>\\n    <![CDATA[...]]>``),
    and that whitespace is not part of the value. Everything inside is kept
    exactly: backslashes, entities written literally inside CDATA, newlines.
    """
    if elem is None:
        return ""
    return "".join(elem.itertext()).strip()


class XmlStream:
    """Iterate ``(event, value)`` pairs from an export: ``start-ns``, ``start``, ``end``.

    ``progress``, when given, is called with the number of bytes read since its
    previous call, so ``progress=tqdm_bar.update`` works with a bar whose total
    is the file size. It is called as the parser reads ahead, in steps of
    16-64 KiB, never per record.

    ``repairs`` lists what lenient mode changed; it is complete once the
    iteration has finished.
    """

    def __init__(self, source: Source, *, lenient: bool = False, progress: Progress | None = None):
        self._source = source
        self._lenient = lenient
        self._progress = progress
        self._reader: _Reader | None = None
        self._parser: DefusedXMLParser | None = None
        self.repairs: list[Skipped] = []

    def _position(self) -> tuple[int | None, int | None]:
        """Where expat is now (1-based), for errors raised from its handlers."""
        if self._parser is None:
            return None, None
        expat = self._parser.parser
        offset = self._reader.lines_dropped if self._reader else 0
        return expat.CurrentLineNumber + offset, expat.CurrentColumnNumber + 1

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        if hasattr(self._source, "read"):
            raw, close = self._source, False
        else:
            try:
                raw, close = open(self._source, "rb"), True
            except OSError as exc:
                raise ImportFileError(f"The file can't be opened: {exc.strerror}") from exc
        try:
            reader = self._reader = _Reader(raw, progress=self._progress, lenient=self._lenient)
            self._parser = DefusedXMLParser(
                target=TreeBuilder(),
                forbid_dtd=False,
                forbid_entities=True,
                forbid_external=True,
            )
            events = iterparse(reader, events=("start-ns", "start", "end"), parser=self._parser)
            try:
                yield from events
            except ParseError as exc:
                raise self._parse_error(exc, reader) from exc
            except DefusedXmlException as exc:
                raise self._defused_error(exc) from exc
            self.repairs = reader.repairs()
        finally:
            if close:
                raw.close()

    def _parse_error(self, exc: ParseError, reader: _Reader) -> ImportFileError:
        line, column = exc.position
        line += reader.lines_dropped
        if reader.at_eof:
            if not reader.saw_content:
                return ImportFileError("The file is empty")
            return ImportFileError(
                "The file ends before the export does: it looks cut off, e.g. by an "
                "interrupted download or a full disk. Export or download it again",
                line=line,
                column=column + 1,
            )
        reason = ErrorString(exc.code) if exc.code else str(exc)
        message = f"The file is not well-formed XML ({reason})"
        if not self._lenient:
            message += f": fix it, or {LENIENT_HINT}"
        else:
            message += ", and lenient mode can't repair it"
        return ImportFileError(message, line=line, column=column + 1)

    def _defused_error(self, exc: DefusedXmlException) -> ImportFileError:
        line, column = self._position()
        if isinstance(exc, EntitiesForbidden):
            return ImportFileError(
                f"The file declares an XML entity ({exc.name!r}), which imports don't allow "
                "(a protection against XXE and entity-expansion attacks). WordPress and "
                "Disqus exports never declare entities",
                line=line,
                column=column,
            )
        return ImportFileError(
            "The file refers to an external resource, which imports don't allow "
            "(a protection against XXE attacks)",
            line=line,
            column=column,
        )


class _Reader:
    """The file as ``iterparse`` reads it: counts bytes and, in lenient mode, repairs."""

    def __init__(self, raw: IO[bytes], *, progress: Progress | None, lenient: bool):
        self._raw = raw
        self._progress = progress
        self._repairer = _Repairer() if lenient else None
        self.at_eof = False
        self.saw_content = False

    @property
    def lines_dropped(self) -> int:
        return self._repairer.lines_dropped if self._repairer else 0

    def repairs(self) -> list[Skipped]:
        return self._repairer.report() if self._repairer else []

    def read(self, size: int = -1) -> bytes:
        data = self._read(size)
        # Only once the parser has been given everything: an error after that
        # means the document was still open when the file ended.
        self.at_eof = not data
        return data

    def _read(self, size: int) -> bytes:
        if self._repairer is None:
            return self._read_raw(size)
        while True:
            chunk = self._read_raw(_REPAIR_CHUNK)
            data = self._repairer.feed(chunk, final=not chunk)
            if data or not chunk:
                return data

    def _read_raw(self, size: int) -> bytes:
        data = self._raw.read(size)
        if not isinstance(data, bytes):
            raise TypeError("Open the export in binary mode ('rb').")
        if data:
            if self._progress is not None:
                self._progress(len(data))
            if not self.saw_content and data.strip():
                self.saw_content = True
        return data


# Not allowed anywhere in an XML 1.0 document; WordPress lets them into comments.
# In UTF-8 these bytes never occur inside a multi-byte character.
_CONTROL_CHARS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SECTION_START = re.compile(rb"<!\[CDATA\[|<!--")
_TAG = re.compile(rb"<[A-Za-z_][^<>]*>")
_MAYBE_UNQUOTED = re.compile(rb"""=[ \t\r\n]*[^\s"'<>]""")  # a quick test before the real one
# One attribute; a quoted value is consumed whole so "=" or spaces inside it
# are never mistaken for another attribute.
_ATTRIBUTE = re.compile(rb"""(\s[^\s=<>/"']+\s*=\s*)(?:"[^"]*"|'[^']*'|([^\s"'<>]+?)(?=\s|/?>))""")
_BARE_AMPERSAND = re.compile(rb"&(?!#?\w+;)")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class _Repairer:
    """Lenient mode: fix, in a stream, what known exporters get wrong.

    * text before the first ``<`` (Remark42's sample starts with a backtick);
    * control characters XML 1.0 forbids (old WordPress versions export them);
    * unquoted attribute values (``<thread dsq:id=247937687/>``).

    CDATA sections and XML comments are left alone, so comment bodies are never
    rewritten. Data is processed in pieces that end at a ``>``, so a tag is never
    split between pieces. Only ASCII-compatible encodings (UTF-8, Latin-1) are
    repaired; a UTF-16 file passes through untouched. Line numbers stay true: the
    lines dropped at the start are added back to error positions.
    """

    def __init__(self) -> None:
        self._pending = b""
        self._started = False
        self._passthrough = False
        self._in: bytes | None = None  # the end marker of the CDATA/comment we're in
        self._line = 1
        self.lines_dropped = 0
        self._dropped_prefix = b""
        self._control_chars = _Tally()
        self._attributes = _Tally()

    def feed(self, chunk: bytes, *, final: bool) -> bytes:
        if self._passthrough:
            return chunk
        data = self._pending + chunk
        if not self._started:
            if data.startswith(_UTF16_BOMS):
                self._passthrough = True
                self._pending = b""
                return data
            first = data.find(b"<")
            if first < 0 and not final and len(data) < _REPAIR_CHUNK:
                self._pending = data
                return b""
            self._started = True
            if first > 0:
                self._dropped_prefix = data[:first]
                self.lines_dropped = data.count(b"\n", 0, first)
                data = data[first:]
        if final:
            piece, self._pending = data, b""
        else:
            cut = data.rfind(b">") + 1
            if cut == 0 and len(data) < _REPAIR_MAX_PENDING:
                self._pending = data
                return b""
            cut = cut or len(data)
            piece, self._pending = data[:cut], data[cut:]
        return self._repair(piece)

    def _repair(self, piece: bytes) -> bytes:
        lines = _LineCounter(piece, self._line + self.lines_dropped)
        self._line += piece.count(b"\n")
        if _CONTROL_CHARS.search(piece):
            for match in _CONTROL_CHARS.finditer(piece):
                self._control_chars.add(lines.at(match.start()))
            piece = _CONTROL_CHARS.sub(b"", piece)
            lines = _LineCounter(piece, lines.first)
        out: list[bytes] = []
        pos = 0
        while pos < len(piece):
            if self._in is not None:
                end = piece.find(self._in, pos)
                if end < 0:
                    out.append(piece[pos:])
                    break
                end += len(self._in)
                out.append(piece[pos:end])
                pos, self._in = end, None
                continue
            section = _SECTION_START.search(piece, pos)
            stop = section.start() if section else len(piece)
            if _MAYBE_UNQUOTED.search(piece, pos, stop):
                out.append(_TAG.sub(lambda tag: self._quote(tag, lines), piece[pos:stop]))
            else:
                out.append(piece[pos:stop])
            if section is None:
                break
            self._in = b"]]>" if section.group() == b"<![CDATA[" else b"-->"
            out.append(section.group())
            pos = section.end()
        return b"".join(out)

    def _quote(self, tag: re.Match[bytes], lines: _LineCounter) -> bytes:
        line: int | None = None

        def fix(attribute: re.Match[bytes]) -> bytes:
            nonlocal line
            value = attribute.group(2)
            if value is None:
                return attribute.group(0)
            if line is None:  # only worked out for the rare tag that needs repairing
                line = lines.at_text(tag.group(0))
            self._attributes.add(line)
            return attribute.group(1) + b'"' + _BARE_AMPERSAND.sub(b"&amp;", value) + b'"'

        return _ATTRIBUTE.sub(fix, tag.group(0))

    def report(self) -> list[Skipped]:
        """One ``Skipped(kind="lenient repair")`` per kind of repair, saying where."""
        repairs = []
        if self._dropped_prefix:
            lines = f"line 1 to {self.lines_dropped + 1}" if self.lines_dropped else "line 1"
            count = _count(len(self._dropped_prefix), "byte")
            repairs.append((lines, f"ignored {count} before the XML declaration ({lines})"))
        if self._control_chars.count:
            lines = self._control_chars.where()
            count = _count(self._control_chars.count, "control character")
            repairs.append((lines, f"removed {count} XML doesn't allow ({lines})"))
        if self._attributes.count:
            lines = self._attributes.where()
            count = _count(self._attributes.count, "attribute value")
            repairs.append((lines, f"quoted {count} written without quotes ({lines})"))
        return [
            Skipped(kind="lenient repair", source_id=where, reason=reason)
            for where, reason in repairs
        ]


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


class _LineCounter:
    """Line numbers of positions in one piece, asked for in increasing order."""

    def __init__(self, piece: bytes, first: int):
        self.first = first
        self._piece = piece
        self._pos = 0
        self._line = first

    def at(self, pos: int) -> int:
        self._line += self._piece.count(b"\n", self._pos, pos)
        self._pos = pos
        return self._line

    def at_text(self, text: bytes) -> int:
        """The line where the next occurrence of ``text`` starts; later calls look past it."""
        found = self._piece.find(text, self._pos)
        if found < 0:
            return self._line
        line = self.at(found)
        self.at(found + len(text))
        return line


class _Tally:
    """How many repairs of one kind, and on which lines (the first few), in little memory."""

    SHOWN = 10

    def __init__(self) -> None:
        self.count = 0
        self.lines: list[int] = []
        self.other_lines = 0
        self._last = 0

    def add(self, line: int) -> None:
        """Count one; lines come in file order."""
        self.count += 1
        if line == self._last:
            return
        self._last = line
        if len(self.lines) < self.SHOWN:
            self.lines.append(line)
        else:
            self.other_lines += 1

    def where(self) -> str:
        shown = ", ".join(str(n) for n in self.lines)
        more = f" and {self.other_lines:,} more" if self.other_lines else ""
        return f"{'line' if len(self.lines) == 1 else 'lines'} {shown}{more}"
