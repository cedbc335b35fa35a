"""The alias table's matcher: text in, the slugs of the models it names out."""

from __future__ import annotations

import pytest

from probes.stack.model_names import AliasTable, ModelNames

TABLE = AliasTable.build(
    [
        ModelNames("gpt-4o", "GPT-4o", ("4o",)),
        ModelNames("gpt-4o-mini", "GPT-4o mini", ("4o mini",)),
        ModelNames("gpt-4", "GPT-4"),
        ModelNames("gpt-4.1", "GPT-4.1"),
        ModelNames("o3", "o3"),
        ModelNames("o3-mini", "o3-mini"),
        ModelNames("dall-e-3", "DALL-E 3", ("DALL-E",)),
        ModelNames("sora-2", "Sora 2", family="Sora"),
        ModelNames("sora-2-pro", "Sora 2 Pro", family="Sora"),
        ModelNames("claude-opus-4-1", "Claude Opus 4.1", ("Opus 4.1",), "Claude Opus"),
        ModelNames("claude-opus-4", "Claude Opus 4", ("Opus 4",), "Claude Opus"),
        ModelNames("claude-sonnet-4-5", "Claude Sonnet 4.5", ("Sonnet 4.5",), "Claude Sonnet"),
        ModelNames("claude-sonnet-4", "Claude Sonnet 4", ("Sonnet 4",), "Claude Sonnet"),
        ModelNames("gemini-2.5-pro", "Gemini 2.5 Pro"),
        ModelNames("gemini-2.5-flash", "Gemini 2.5 Flash"),
    ]
)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        # Whole names, any case.
        ("Elevated errors on GPT-4o", {"gpt-4o"}),
        ("elevated errors on gpt-4o", {"gpt-4o"}),
        ("Increased latency for o3", {"o3"}),
        ("Gemini 2.5 Pro requests failing", {"gemini-2.5-pro"}),
        # The longest name wins where names overlap.
        ("Elevated errors on GPT-4o mini", {"gpt-4o-mini"}),
        ("GPT-4o and GPT-4o mini are slow", {"gpt-4o", "gpt-4o-mini"}),
        ("Sora 2 Pro generations failing", {"sora-2-pro"}),
        ("Claude Opus 4.1 errors", {"claude-opus-4-1"}),
        # A family names every model of it.
        ("Sora is down", {"sora-2", "sora-2-pro"}),
        ("Elevated errors on Claude Opus", {"claude-opus-4", "claude-opus-4-1"}),
        # Traps: a name inside another word, or with a version glued on, is not that name.
        ("pro3 subscribers cannot log in", set()),
        ("Errors on o3-mini", {"o3-mini"}),
        ("o3-pro is slow", set()),
        ("GPT-4o3", set()),
        ("GPT-4.1 is slow", {"gpt-4.1"}),
        ("GPT-4 is slow", {"gpt-4"}),
        ("Claude Sonnet 4.5 degraded", {"claude-sonnet-4-5"}),
        ("Sonnet 4.6 degraded", set()),
        ("Soracle outage", set()),
        ("Gemini 2.5 Flash-Lite errors", set()),
        # Punctuation ends a name.
        ("(o3) and o3. and o3, too", {"o3"}),
        ("Sora's video generation", {"sora-2", "sora-2-pro"}),
        # Typography: a non-breaking hyphen, an en dash, DALL·E, spaces for dashes.
        ("Errors on GPT\u20114o", {"gpt-4o"}),
        ("Errors on GPT\u20134o mini", {"gpt-4o-mini"}),
        ("DALL·E image errors", {"dall-e-3"}),
        ("dall e 3 down", {"dall-e-3"}),
        # Names no model.
        ("High error rates for ChatGPT and the API", set()),
        ("", set()),
        # The 26 December 2024 incident, in the page's words.
        ("High error rates for ChatGPT, APIs, and Sora", {"sora-2", "sora-2-pro"}),
    ],
)
def test_it_names_the_models_a_text_names(text, named):
    assert TABLE.match(text) == named


def test_each_text_is_read_on_its_own():
    # "GPT-4" at the end of one text and ".1" at the start of the next never glue together.
    assert TABLE.match("errors on GPT-4", ".1 is fine") == {"gpt-4"}


def test_one_name_shared_by_two_models_names_both():
    table = AliasTable.build(
        [ModelNames("a", "Alpha", ("Shared",)), ModelNames("b", "Beta", ("Shared",))]
    )
    assert table.match("Shared is down") == {"a", "b"}


@pytest.mark.parametrize(
    ("model_id", "slug"),
    [
        ("gpt-4o", "gpt-4o"),
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("claude-opus-4-1-20250805", "claude-opus-4-1"),
        ("GPT-4o mini", "gpt-4o-mini"),
        ("o3-2025-04-16", "o3"),
        ("o3-mini-2025-01-31", "o3-mini"),
        # Unknown to the table: the id itself (a feature may name it).
        ("llama3.2:1b", "llama3.2:1b"),
        ("gpt-4ox", "gpt-4ox"),
    ],
)
def test_a_probe_is_tagged_with_the_model_it_calls(model_id, slug):
    assert TABLE.model_of_probe(model_id) == slug
