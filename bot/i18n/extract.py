"""A Babel extractor for bot/messages.py: each key of ``EN`` becomes one catalogue entry.

Registered in babel.cfg, so the standard ``pybabel extract -F babel.cfg`` writes bot/locale/codev.pot:
msgctxt is the key, msgid the English text (msgid_plural too, for a `Plural`), and a translator comment
names the {placeholders} that must survive translation.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from string import Formatter
from typing import IO, Any

Extracted = tuple[int, str, tuple[str, ...], list[str]]


def extract_catalogue(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[Extracted]:
    """Babel's extractor interface: (line, function, messages, comments) per key of the EN dict."""
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign) and _names(node) == ["EN"] and isinstance(node.value, ast.Dict):
            for key_node, value_node in zip(node.value.keys, node.value.values, strict=True):
                if key_node is None:
                    raise ValueError(f"line {node.lineno}: no ** in EN, one literal key per text")
                key = ast.literal_eval(key_node)
                yield _entry(key, value_node)


def _names(node: ast.AnnAssign | ast.Assign) -> list[str]:
    targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
    return [target.id for target in targets if isinstance(target, ast.Name)]


def _entry(key: str, value: ast.expr) -> Extracted:
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "Plural":
        forms = tuple(ast.literal_eval(arg) for arg in value.args)
        if len(forms) != 2 or value.keywords:
            raise ValueError(f"line {value.lineno}: Plural(one, other) takes two positional texts")
        return value.lineno, "npgettext", (key, *forms), _comments(forms)
    text = ast.literal_eval(value)
    if not isinstance(text, str):
        raise ValueError(f"line {value.lineno}: {key} is not a text")
    return value.lineno, "pgettext", (key, text), _comments((text,))


def _comments(texts: tuple[str, ...]) -> list[str]:
    names = sorted({name for text in texts for _, name, _, _ in Formatter().parse(text) if name})
    if not names:
        return []
    return ["Keep these placeholders as they are: " + ", ".join("{" + name + "}" for name in names)]
