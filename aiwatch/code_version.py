"""A fingerprint of the code being served, for the keys of what the cache keeps across requests.

Cached page parts and whole pages are keyed by the data they come from. Without the code in the
key too, a deploy would serve the old release's templates, and hashed static names that
`collectstatic` may have removed, until their entries expired; a cached object pickled by the
old code could fail to load in the new.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

# What a page is made of: the Python that builds it, its templates, the compiled French
# catalogue, and the static manifest that maps each asset to its hashed name.
SOURCE_DIRS = ("aiwatch", "probes", "dashboard", "alerts", "people", "templates", "locale")
SUFFIXES = frozenset({".py", ".html", ".txt", ".mo", ".toml", ".svg", ".css", ".js"})
STATIC_MANIFEST = "staticfiles.json"


@functools.cache
def code_version() -> str:
    """The fingerprint of this process's code, read once per process (a few MB, milliseconds)."""
    base = Path(settings.BASE_DIR)
    files = [path for name in SOURCE_DIRS for path in _files_under(base / name)]
    files.append(Path(settings.STATIC_ROOT) / STATIC_MANIFEST)
    return fingerprint(files, base=base)


def fingerprint(files: Iterable[Path], *, base: Path) -> str:
    """A digest of the names and contents of `files` (a missing file counts as absent)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        try:
            content = path.read_bytes()
        except OSError:
            continue
        name = str(path.relative_to(base)) if path.is_relative_to(base) else str(path)
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()[:16]


def _files_under(folder: Path) -> Iterable[Path]:
    if not folder.is_dir():
        return []
    return (
        path
        for path in folder.rglob("*")
        if path.suffix in SUFFIXES and "__pycache__" not in path.parts and path.is_file()
    )
