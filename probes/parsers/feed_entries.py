"""A feed's entries as byte ranges, so that a poll reads again only the entries that changed.

feedparser costs tens of microseconds for every element it meets (it is pure Python), so a
changed poll of a history feed of a hundred entries spent most of its time reading the
ninety-nine it had read before: a history feed changes at its top (an update to the newest
incident) and in its `<updated>` time. Here one pass of expat with no text callbacks finds
where each entry starts and ends; the parser then reads the feed's head and tail with only
the entries whose bytes it has not parsed before (`FeedEntries.document`), and takes the others
from what it made of the same bytes last time.

An entry is known by its own bytes and its context (`FeedEntries.key`): the XML declaration and
the start tags of the elements around it, with their attributes and namespace declarations,
which are all that can change what the same bytes mean (xml:base, xml:lang, prefixes). Whatever
else the head says (a title, an `<updated>` time) is read on every poll with the new entries.

`split_entries` declines (returns None, and the caller parses the whole document) whenever this
is not plainly so: not UTF-8, not well-formed, a DTD or an entity declaration, an entry written
as an empty tag, or anything but white space between two entries.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.parsers import expat

ATOM = "http://www.w3.org/2005/Atom"
# (names of the elements from the root down to the entries' parent, the entries' name), as
# expat names them with " " between a namespace and the local name.
LAYOUTS = (
    ((f"{ATOM} feed",), f"{ATOM} entry"),  # Atom 1.0
    (("rss", "channel"), "item"),  # RSS 2.0
)
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class _Declined(Exception):
    """Not a document to split: parse it whole."""


@dataclass(frozen=True)
class FeedEntries:
    head: bytes
    entries: tuple[bytes, ...]
    tail: bytes
    context: str

    def key(self, index: int) -> str:
        """What entry `index` is known by: the same key means the same parsed entry."""
        hasher = hashlib.sha256(self.context.encode())
        hasher.update(b"\0")
        hasher.update(self.entries[index])
        return hasher.hexdigest()

    def document(self, indexes: Sequence[int]) -> bytes:
        """The feed with only the entries at `indexes` (in that order) between head and tail."""
        return self.head + b"\n".join(self.entries[index] for index in indexes) + self.tail


def split_entries(content: bytes) -> FeedEntries | None:
    """The feed's head, entries and tail, or None when it must be parsed whole (see above)."""
    start = content.lstrip(b" \t\r\n")
    if start.startswith(b"<?xml"):
        declared = _DECLARED_ENCODING.match(start)
        if declared and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii"):
            return None
    elif not start.startswith(b"<"):
        return None  # a byte-order mark (UTF-16 and the like) or not XML at all
    try:
        return _split(content)
    except (_Declined, expat.ExpatError, ValueError):
        return None


def _split(content: bytes) -> FeedEntries | None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    path: list[str] = []
    context: list[str] = []
    declarations: list[str] = []
    spans: list[tuple[int, int]] = []
    siblings: list[bool] = []  # per element at the entries' depth: is it an entry
    layout: list[tuple[tuple[str, ...], str]] = []
    entry_start = -1

    def refuse(*args: object) -> None:
        raise _Declined

    def xml_declaration(version: str, encoding: str | None, standalone: int) -> None:
        context.append(f"<?xml {version} {encoding} {standalone}?>")

    def namespace(prefix: str | None, uri: str) -> None:
        declarations.append(f"xmlns:{prefix}={uri}")

    def started(name: str, attributes: dict[str, str]) -> None:
        nonlocal entry_start
        depth = len(path)
        if depth == 0:
            layout.extend(candidate for candidate in LAYOUTS if candidate[0][0] == name)
            if not layout:
                raise _Declined
        parents, entry = layout[0]
        if depth < len(parents):
            if name != parents[depth]:
                raise _Declined
            attrs = " ".join(f"{key}={value}" for key, value in sorted(attributes.items()))
            context.append(f"<{name} {' '.join(declarations)} {attrs}>")
        elif depth == len(parents):
            siblings.append(name == entry)
            if name == entry:
                entry_start = parser.CurrentByteIndex
        declarations.clear()
        path.append(name)

    def ended(name: str) -> None:
        nonlocal entry_start
        path.pop()
        if len(path) == len(layout[0][0]) and name == layout[0][1]:
            position = parser.CurrentByteIndex
            if not content.startswith(b"</", position):
                # An empty-element tag: expat reports its end after it, with no end tag.
                raise _Declined
            # An end tag holds no attribute, so its first ">" closes it.
            spans.append((entry_start, content.index(b">", position) + 1))

    parser.XmlDeclHandler = xml_declaration
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartNamespaceDeclHandler = namespace
    parser.StartElementHandler = started
    parser.EndElementHandler = ended
    parser.Parse(content, True)

    if not spans:
        return None
    first = siblings.index(True)
    last = len(siblings) - 1 - siblings[::-1].index(True)
    if not all(siblings[first : last + 1]):
        return None  # something else between two entries: it belongs to neither
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        if content[end:next_start].strip(b" \t\r\n"):
            return None  # a comment or text between two entries
    return FeedEntries(
        head=content[: spans[0][0]],
        entries=tuple(content[begin:end] for begin, end in spans),
        tail=content[spans[-1][1] :],
        context="".join(context),
    )
