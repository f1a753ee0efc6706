"""Small pure helpers on the text people write."""

from __future__ import annotations

import re

_HASHTAG = re.compile(r"(?<![\w&#])#([^\W_][\w-]{0,49})", re.UNICODE)


def hashtags(text: str) -> list[str]:
    """Tags written as #word, lower case, without '#', each once, in order of appearance."""
    seen: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)
