"""A new release never serves what the old one cached: its pages, parts and kept feed entries
are keyed by a fingerprint of the code."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

from aiwatch import code_version
from dashboard import history_cache


def test_the_fingerprint_moves_with_a_file_s_content_or_name_and_not_otherwise(tmp_path: Path):
    template = tmp_path / "templates" / "page.html"
    template.parent.mkdir()
    template.write_text("<p>{{ status }}</p>")
    files = [template, tmp_path / "static" / "staticfiles.json"]  # no manifest: not collected
    first = code_version.fingerprint(files, base=tmp_path)
    assert code_version.fingerprint(list(reversed(files)), base=tmp_path) == first

    template.write_text("<p>{{ status }} </p>")
    edited = code_version.fingerprint(files, base=tmp_path)
    assert edited != first

    renamed = template.with_name("other.html")
    template.rename(renamed)
    assert code_version.fingerprint([renamed], base=tmp_path) not in {first, edited}


def test_the_served_code_is_read_once_and_covers_the_templates(settings):
    code_version.code_version.cache_clear()
    with mock.patch.object(code_version, "fingerprint", wraps=code_version.fingerprint) as spy:
        assert code_version.code_version() == code_version.code_version()
    assert spy.call_count == 1
    names = {path.name for path in spy.call_args.args[0]}
    assert {"base.html", "history_cache.py", "staticfiles.json", "django.mo"} <= names
    code_version.code_version.cache_clear()


def test_a_page_part_s_key_holds_the_release():
    key = history_cache.cache_key(("overview", 7))
    with mock.patch.object(history_cache, "code_version", return_value="another-release"):
        assert history_cache.cache_key(("overview", 7)) != key
    assert history_cache.cache_key(("overview", 7)) == key
