"""DTDs are refused by the XML parsers themselves, not only by the byte scan in front of them.

Each document here slips past `refuse_xml_declarations` (a comment that looks like a CDATA
section, an encoding the scan does not decode) and is still refused by the parser.
"""

from __future__ import annotations

import feedparser
import feedparser.api
import pytest

from probes.parsers import PARSERS, xmlreader
from probes.parsers.feeds import load_feed
from probes.parsers.payload import refuse_xml_declarations
from probes.parsers.types import ParseError

FEED = (
    '<rss version="2.0"><channel><title>t &x;</title><link>https://a.example</link></channel></rss>'
)
DTD = '<!DOCTYPE rss [<!ENTITY x "injected">]>'

HIDDEN = {
    # The scan drops "<![CDATA[ ... ]]>" as quoted text; to a parser both are inside comments.
    "cdata-in-comments": f'<?xml version="1.0"?><!-- <![CDATA[ -->{DTD}<!-- ]]> -->{FEED}'.encode(),
    "external-dtd-in-comments": (
        '<?xml version="1.0"?><!-- <![CDATA[ --><!DOCTYPE rss SYSTEM '
        '"http://169.254.169.254/x.dtd"><!-- ]]> -->' + FEED.replace("&x;", "")
    ).encode(),
    # EBCDIC: the scan looks for ASCII bytes; feedparser decodes the document first.
    "ebcdic": (f'<?xml version="1.0" encoding="cp037"?>{DTD}{FEED}').encode("cp037"),
    "ebcdic-500": (f'<?xml version="1.0" encoding="cp500"?>{DTD}{FEED}').encode("cp500"),
}
# Not well-formed before the DTD ("--" inside a comment): feedparser's tolerant parser reads
# it, and reads the hidden DOCTYPE as comment text, so nothing is declared or expanded.
ILL_FORMED = f'<?xml version="1.0"?><!-- a -- b --><!-- <![CDATA[ -->{DTD}<!-- ]]> -->{FEED}'


@pytest.mark.parametrize("name", sorted(HIDDEN))
def test_a_dtd_the_byte_scan_misses_is_refused_by_the_parser(name):
    content = HIDDEN[name]
    refuse_xml_declarations(content)  # the scan lets it through...
    with pytest.raises(ParseError, match="DOCTYPE or entity declarations"):
        load_feed(content)  # ...the parser does not


@pytest.mark.parametrize("content", [*HIDDEN.values(), ILL_FORMED.encode()])
def test_no_format_expands_a_hidden_entity(content):
    for kind, parser in PARSERS.items():
        try:
            page = parser(content, {})
        except ParseError:
            continue
        text = repr(page)
        assert "injected" not in text, kind


def test_the_tolerant_parser_refuses_a_declaration_it_reads():
    # Past the byte scan (feedparser called directly): ill-formed XML with a plain DTD.
    content = f'<?xml version="1.0"?><!-- a -- b -->{DTD}{FEED}'.encode()
    with pytest.raises(xmlreader.DTDRefused):
        feedparser.parse(content)


def test_feedparser_reads_xml_with_the_refusing_parser():
    assert feedparser.api.PREFERRED_XML_PARSERS == ["probes.parsers.xmlreader"]
    with pytest.raises(xmlreader.REFUSALS):
        feedparser.parse(f'<?xml version="1.0"?>{DTD}{FEED}'.encode())


def test_feeds_without_a_dtd_still_parse_in_any_encoding_and_when_ill_formed():
    plain = FEED.replace("&x;", "&amp; ok")
    assert load_feed(plain.encode()).feed.title == "t & ok"
    ebcdic = f'<?xml version="1.0" encoding="cp037"?>{plain}'.encode("cp037")
    assert load_feed(ebcdic).feed.title == "t & ok"
    ill_formed = FEED.replace("&x;", "& ok").encode()
    assert load_feed(ill_formed).feed.title == "t & ok"
