"""The French catalogue: complete, compiled, and in step with the code.

A fresh machine has only Python (no GNU gettext), so the compiled locale/fr/LC_MESSAGES/django.mo
is committed; these tests prove it says exactly what django.po says, that no message is left
untranslated or fuzzy, and (where gettext is installed, as in CI) that `makemessages` finds
nothing the catalogue lacks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What makemessages reads: the project's own code and templates, not its tests or tools.
IGNORED = [".venv/*", "var/*", "tests/*", "bench/*"]


def _key(entry: polib.POEntry | polib.MOEntry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _translations(entries: list) -> dict[tuple[str, str, str], tuple[str, ...]]:
    found = {}
    for entry in entries:
        if not entry.msgid:
            continue  # the header
        if entry.msgid_plural:
            found[_key(entry)] = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            found[_key(entry)] = (entry.msgstr,)
    return found


def test_every_french_message_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(PO))
    assert catalogue.metadata["Language"] == "fr"
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert not catalogue.metadata_is_fuzzy
    plural = [entry for entry in catalogue if entry.msgid_plural]
    assert all(all(entry.msgstr_plural.values()) for entry in plural)


def test_the_french_messages_keep_their_placeholders():
    # "%(name)s est..." must name what the English names, or the page raises a KeyError.
    placeholder = re.compile(r"%\((\w+)\)[sd]|%\{(\w+)\}|\{(\w*)\}")
    for entry in polib.pofile(str(PO)):
        wanted = sorted(placeholder.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert sorted(placeholder.findall(translation)) == wanted, entry.msgid


def test_the_committed_mo_says_what_the_po_says():
    # Compile the .po with polib (pure Python) and compare messages, not bytes: msgfmt and
    # polib order and pad differently, the translations must be the same.
    compiled = _translations(polib.mofile(str(MO)))
    expected = _translations(polib.pofile(str(PO)).translated_entries())
    assert compiled == expected, (
        "locale/fr/LC_MESSAGES/django.mo is out of date: run "
        "`python -c \"import polib; polib.pofile('locale/fr/LC_MESSAGES/django.po')"
        ".save_as_mofile('locale/fr/LC_MESSAGES/django.mo')\"`"
    )


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="GNU gettext (xgettext) is not installed; .ci/run installs it so CI runs this",
)
def test_makemessages_finds_nothing_the_catalogue_lacks(tmp_path):
    # Run makemessages on a copy of the project, so the real catalogue is never touched.
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "*_cache", "tests"),
    )
    ignore = [arg for pattern in IGNORED for arg in ("-i", pattern)]
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", *ignore],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {_key(entry) for entry in polib.pofile(str(copy / PO.relative_to(ROOT)))}
    current = {_key(entry) for entry in polib.pofile(str(PO))}
    assert sorted(fresh - current) == [], "new messages: run makemessages and translate them"
    assert sorted(current - fresh) == [], "messages no longer used: run makemessages"
