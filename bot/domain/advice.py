"""Spotting advice dressed as a question, in English and French, to coach the Clarification step."""

from __future__ import annotations

import re
import unicodedata

# Phrases that propose a solution rather than ask for facts. Kept narrow on purpose: a false alarm
# during Clarification is worse than a miss, since the hint is only a private, gentle nudge.
_ADVICE_PATTERNS = [
    # English
    r"\bhave you (tried|thought about|considered|looked into)\b",
    r"\bdid you (try|think about|consider)\b",
    r"\byou (should|could|ought to|must|need to|might want to|may want to)\b",
    r"\bwhy (don't|dont|do not|not) you\b",
    r"\bwhy not\b",
    r"\bhow about\b",
    r"\bwhat about (trying|asking|talking|using|setting|doing|having)\b",
    r"\bwhat if you\b",
    r"\bi(?: would|'d) (suggest|recommend|advise)\b",
    r"\bif i were you\b",
    r"\b(try|consider) (to |talking|asking|using|setting|doing|having)\b",
    r"\bwouldn't it be better\b",
    r"\bmy advice\b",
    # French (accents folded away before matching)
    r"\bas[- ]tu (essaye|pense a|envisage|songe a)\b",
    r"\bavez[- ]vous (essaye|pense a|envisage|songe a)\b",
    r"\btu (devrais|pourrais|dois|aurais interet)\b",
    r"\bvous (devriez|pourriez|devez|auriez interet)\b",
    r"\bil (faudrait|faut que tu|faut que vous)\b",
    r"\bpourquoi (ne pas|tu ne|vous ne|ne)\b",
    r"\bet si tu\b",
    r"\bet si vous\b",
    r"\bje (te|vous) (conseille|suggere|recommande)\b",
    r"\b(a|à) ta place\b",
    r"\b(a|à) votre place\b",
    r"\bmon conseil\b",
]
_ADVICE = re.compile("|".join(_ADVICE_PATTERNS))


def _fold(text: str) -> str:
    """Lower case, accents removed, curly apostrophes straightened."""
    text = text.replace("\u2019", "'").lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def looks_like_advice(text: str) -> bool:
    return bool(_ADVICE.search(_fold(text)))
