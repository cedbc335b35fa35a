"""A dry run of a poll: which platform a URL speaks and what a poll would record, saving nothing.

The admin's "Detect" button shows it on the source form. The request goes through the one
outbound seam (its address policy, timeouts and byte caps), and the payload through the same
DTD refusal and parse budget as a poll.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings

from probes import outbound
from probes.parsers import detect_format
from probes.parsers.payload import ParseTimeout, refuse_xml_declarations, time_budget
from probes.parsers.types import Filters, ParsedComponent, ParsedPage, ParseError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DryRun:
    """What a poll of `url` would find: the platform and page, or the reason it could not read.

    `all_components` lists every component on the page, filters or not, so the admin can pick
    the ones to follow; `page` is what a poll with the given filters would record.
    """

    url: str
    platform: str = ""
    page: ParsedPage | None = None
    all_components: tuple[ParsedComponent, ...] = field(default_factory=tuple)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.page is not None


def dry_run(url: str, filters: Filters | None = None) -> DryRun:
    """Fetch `url` once and detect its format; never raises for a bad page or address."""
    try:
        fetched = outbound.fetch(url)
    except outbound.FetchError as error:
        return DryRun(url, error=f"fetch failed ({error.kind}): {error}")
    if not 200 <= fetched.status_code < 300:
        return DryRun(url, error=f"HTTP {fetched.status_code} from {fetched.url}")
    try:
        refuse_xml_declarations(fetched.content)
        with time_budget(settings.AIWATCH_PARSE_SECONDS):
            platform, page = detect_format(fetched.content, filters or {})
            everything = page
            if filters and "components" in filters:
                # The components not followed yet, too: they are what the picker offers.
                others = {name: values for name, values in filters.items() if name != "components"}
                everything = detect_format(fetched.content, others)[1]
    except (ParseError, ParseTimeout) as error:
        return DryRun(url, error=f"unreadable: {error}")
    except Exception as error:
        # A parser bug must show as a reason on the form, not as a server error.
        logger.exception("parser crashed on a dry run of %s", url)
        return DryRun(url, error=f"unreadable: parser failed ({type(error).__name__})")
    return DryRun(url, platform=platform, page=page, all_components=everything.components)
