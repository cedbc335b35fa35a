"""Words that say an incident is over, in the languages status feeds are written in.

A generic feed item without a state word (no category, no `[Resolved]` prefix, no
`Status: X` line) may still say in plain words that it ended: "Service recovered",
"Le service est rétabli", "Störung behoben", "Incidencia resuelta", "復旧しました",
"已恢复正常". A word counts only when nothing before it turns it around ("not yet resolved",
"will be resolved", "noch nicht behoben", "尚未恢复"), since reading an ongoing outage as over
is the mistake that hides it.
"""

from __future__ import annotations

import re

# Latin-script phrases, matched as whole words, case-insensitively.
_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "resolved",
        "fixed",
        "recovered",
        "restored",
        "back to normal",
        "operating normally",
        "fully operational",
        "completed",
    ),
    "fr": (
        "résolu",
        "résolue",
        "résolus",
        "rétabli",
        "rétablie",
        "rétablis",
        "corrigé",
        "corrigée",
        "terminé",
        "terminée",
        "retour à la normale",
        "fonctionne normalement",
    ),
    "de": (
        "behoben",
        "gelöst",
        "wiederhergestellt",
        "abgeschlossen",
        "funktioniert wieder",
        "läuft wieder",
    ),
    "es": (
        "resuelto",
        "resuelta",
        "resueltos",
        "solucionado",
        "solucionada",
        "restablecido",
        "restablecida",
        "recuperado",
        "normalidad",
        "funciona con normalidad",
    ),
}
# Words just before a phrase that make it not (yet) true: negations, futures, conditions.
_TURNED = {
    "en": r"not|no|yet|be|once|until|till|when|soon|expect|expected|to|before|unless"
    r"|\w*n['\u2019]t",
    "fr": "pas|non|sera|seront|être|avant|jusqu|dès|lorsque|quand|sans",
    "de": "nicht|kein|keine|wird|werden|bis|sobald|wenn|noch",
    "es": "no|será|serán|ser|hasta|cuando|sin|aún|todavía",
}
# CJK phrases in their completed forms (Japanese "has recovered", Chinese "already ...").
_CJK_WORDS = (
    "復旧しました",
    "復旧いたしました",
    "解決しました",
    "解決いたしました",
    "解消しました",
    "解消いたしました",
    "正常に戻りました",
    "完了しました",
    "已解决",
    "已解決",
    "已恢复",
    "已恢復",
    "已修复",
    "已修復",
    "恢复正常",
    "恢復正常",
    "已完成",
)
_CJK_TURNED = re.compile(r"[未没沒不尚][^\u3002.!\uff01?\uff1f]{0,2}$")

_LATIN = re.compile(
    r"(?<![\w])("
    + "|".join(
        re.escape(word)
        for word in sorted((w for words in _WORDS.values() for w in words), key=len, reverse=True)
    )
    + r")(?![\w])",
    re.IGNORECASE,
)
_LATIN_TURNED = re.compile(
    r"(?:^|[^\w'])("
    + "|".join(_TURNED.values())
    + r")(?:[\s'\u2019]+[\w'\u2019]+){0,2}[\s'\u2019]+$",
    re.IGNORECASE,
)


def says_it_ended(text: str) -> bool:
    """Whether `text` says, in one of the known languages, that the incident is over."""
    for match in _LATIN.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        if not _LATIN_TURNED.search(before):
            return True
    for word in _CJK_WORDS:
        start = text.find(word)
        while start != -1:
            if not _CJK_TURNED.search(text[max(0, start - 3) : start]):
                return True
            start = text.find(word, start + 1)
    return False
