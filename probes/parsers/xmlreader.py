"""How feedparser reads XML here: a DTD is refused by the parser itself, not by a byte scan.

feedparser reads a feed with a SAX parser ("strict") and, when the document is not well-formed
XML, with its own tolerant parser ("loose"). `install()` configures both, once per process:

* strict: expat through defusedxml with DTDs, entity declarations and external references
  forbidden, so a DOCTYPE is refused the moment the parser meets it, whatever comment or CDATA
  tricks surround it and whatever encoding (UTF-16, EBCDIC...) feedparser decoded it from;
* loose: a subclass that refuses any `<!...>` declaration its tokeniser reads (CDATA sections
  aside; feedparser's own would skip it silently), and the entity definitions feedparser
  salvages from a DTD it stripped.

Either raises `DTDRefused` (or defusedxml's own exceptions) out of `feedparser.parse`.
`payload.refuse_xml_declarations` still runs first as a cheap early refusal; this is the rule.
"""

from __future__ import annotations

import threading
from typing import Any

import feedparser.api
from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

_install_lock = threading.Lock()


class DTDRefused(ValueError):
    """The document declares a DTD or entities; no feed needs one."""


# Everything `feedparser.parse` raises for a document with a DTD.
REFUSALS: tuple[type[Exception], ...] = (DTDRefused, DefusedXmlException)


def create_parser(*args: Any, **kwargs: Any) -> DefusedExpatParser:
    """The SAX reader feedparser's strict parser asks for (`xml.sax.make_parser` calls this)."""
    return DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)


class _RefusingLooseParser(feedparser.api.LooseFeedParser):  # type: ignore[misc,name-defined]
    def __init__(
        self,
        baseuri: str | None = None,
        baselang: str | None = None,
        encoding: str | None = None,
        entities: dict[str, str] | None = None,
    ) -> None:
        if entities:
            raise DTDRefused("the document declares entities")
        super().__init__(baseuri, baselang, encoding, entities)

    def parse_declaration(self, i: int) -> int:
        # Called at each "<!" the tokeniser reaches outside comments: CDATA goes on as text,
        # anything else would be a declaration.
        if self.rawdata.startswith("<![CDATA[", i):
            return int(super().parse_declaration(i))
        words = self.rawdata[i + 2 : i + 40].split()
        raise DTDRefused(f"the document has a <!{words[0] if words else ''}> declaration")


def install() -> None:
    with _install_lock:
        feedparser.api.PREFERRED_XML_PARSERS = [__name__]
        feedparser.api.LooseFeedParser = _RefusingLooseParser
