"""Which models a piece of text names: the alias table and its matcher (pure).

A provider's status page and incidents say "Claude Opus", "Sonnet 4.5", "GPT-4o mini" or "o3";
the catalog's [[model]] tables list those names for each model, and a model family ("Claude
Opus") names every model of the family. `AliasTable.match` reads text and gives the slugs of
the models it names. The rules:

* A name matches whole, case-insensitively. Inside a name a space, a dash or an underscore are
  the same separator, and the dashes of typography (U+2010 to U+2015, U+2212) and the middle
  dot are dashes: "DALL·E", "GPT-4o" with a non-breaking hyphen and "gpt 4o" are "DALL-E"
  and "GPT-4o".
* Nothing may be glued to either end of it: a letter or a digit, or one joined by "-", "."
  or "_", makes another word. "o3" is not in "pro3", "o3-mini" or "GPT-4o3"; "GPT-4" is not in
  "GPT-4.1" nor "GPT-4o"; "Sonnet 4" is not in "Sonnet 4.5". Punctuation ends a name:
  "(o3)", "o3." and "Sora's" name o3 and Sora.
* Where names overlap, the longest wins: "GPT-4o mini" names gpt-4o-mini, not gpt-4o as well;
  "GPT-4o and GPT-4o mini" names both.

A probe's model id ("gpt-4o-mini-2024-07-18", "claude-3-5-haiku-latest") is matched to the
model whose slug it starts with, the longest such slug (`model_of_probe`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

# Typographic dashes and the middle dot ("DALL·E") read as "-".
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00b7", "-"))
_SEPARATORS = re.compile(r"[\s\-_]+")
# [^\W_] is a letter or a digit in any script. Glued: one right beside the name, or one behind
# a "-", "." or "_" beside it. Look-behinds have a fixed width, hence two of each.
_BEFORE = r"(?<![^\W_])(?<![^\W_][\-._])"
_AFTER = r"(?![^\W_])(?![\-._][^\W_])"


def normalise(text: str) -> str:
    """Text as names are matched in: case folded, typographic dashes as "-"."""
    return text.translate(_DASHES).casefold()


def name_pattern(name: str) -> re.Pattern[str] | None:
    """The pattern of one name, or None for a name with no letter or digit in it."""
    words = [word for word in _SEPARATORS.split(normalise(name).strip()) if word]
    if not words or not any(char.isalnum() for char in "".join(words)):
        return None
    return re.compile(_BEFORE + r"[\s\-_]+".join(re.escape(word) for word in words) + _AFTER)


@dataclass(frozen=True, slots=True)
class ModelNames:
    """One model as the alias table knows it."""

    slug: str
    name: str = ""
    aliases: tuple[str, ...] = ()
    # The family's name, e.g. "Claude Opus": it names every model of the family.
    family: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for n in (self.slug, self.name, *self.aliases) if n.strip()))


@dataclass(frozen=True)
class AliasTable:
    """A provider's models and the names that stand for them."""

    models: tuple[ModelNames, ...] = ()

    @classmethod
    def build(cls, models: Iterable[ModelNames]) -> AliasTable:
        return cls(tuple(sorted(models, key=lambda model: model.slug)))

    @cached_property
    def patterns(self) -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
        """Each distinct name's pattern with the slugs it stands for (a family: several)."""
        slugs_by_name: dict[str, set[str]] = {}
        for model in self.models:
            for name in model.names:
                slugs_by_name.setdefault(_key(name), set()).add(model.slug)
            if model.family.strip():
                slugs_by_name.setdefault(_key(model.family), set()).add(model.slug)
        found = []
        for name, slugs in slugs_by_name.items():
            pattern = name_pattern(name)
            if pattern is not None:
                found.append((pattern, frozenset(slugs)))
        return tuple(found)

    @property
    def slugs(self) -> frozenset[str]:
        return frozenset(model.slug for model in self.models)

    def match(self, *texts: str) -> frozenset[str]:
        """The slugs of the models these texts name (each text read on its own)."""
        named: set[str] = set()
        for text in texts:
            named |= self._match_one(normalise(text or ""))
        return frozenset(named)

    def _match_one(self, text: str) -> set[str]:
        if not text.strip():
            return set()
        spans = [
            (found.start(), found.end(), slugs)
            for pattern, slugs in self.patterns
            for found in pattern.finditer(text)
        ]
        # Longest first: a longer name overlapping a shorter one is the one the text says.
        spans.sort(key=lambda span: (span[0] - span[1], span[0]))
        taken: list[tuple[int, int]] = []
        named: set[str] = set()
        for start, end, slugs in spans:
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            named |= slugs
        return named

    def model_of_probe(self, model_id: str) -> str:
        """The slug of the model a probe calls: its id itself, a name of it, or the longest slug
        it starts with ("gpt-4o-mini-2024-07-18" is gpt-4o-mini). The id as given when the table
        knows no such model (a feature may still name it)."""
        wanted = model_id.strip()
        key = _key(wanted)
        for model in self.models:
            if key in {_key(name) for name in model.names}:
                return model.slug
        prefixed = [
            model.slug
            for model in self.models
            if _key(wanted).startswith(_key(model.slug))
            and _key(wanted)[len(_key(model.slug)) : len(_key(model.slug)) + 1] in {"-", ":", "@"}
        ]
        return max(prefixed, key=len) if prefixed else wanted


def _key(name: str) -> str:
    return normalise(name).strip()


def names_in(table: AliasTable, slugs: Sequence[str]) -> list[str]:
    """The shown names of these models, in the given order (the slug for one it does not know)."""
    by_slug = {model.slug: model.name or model.slug for model in table.models}
    return [by_slug.get(slug, slug) for slug in slugs]
