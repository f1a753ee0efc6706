"""The French catalogue (locale/fr/LC_MESSAGES/codev.po) against the English texts in bot/messages.py.

Every key of EN has one entry (msgctxt = key, msgid = the English text exactly), translated, not fuzzy,
with the same {placeholders}; French typography (a narrow no-break space before ? ! ; : and inside « »);
and the short texts Slack limits (buttons, options, modal titles) stay within those limits and close to
the English length. Regenerate the skeleton with tools/make_po.py after English texts change.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from string import Formatter

import pytest

from bot.messages import EN

PO = Path(__file__).resolve().parents[2] / "bot" / "locale" / "fr" / "LC_MESSAGES" / "codev.po"
NNBSP = "\u202f"
SHORT_KEY_PARTS = ("button", "_title", "submit", "cancel", "option")
# Keys whose French may exceed the ~1.3x length guide, each for a reason (Slack's hard limits still hold).
LONGER_ON_PURPOSE = {
    "summary_edit_title": "« compte rendu » is the method's word; 24 characters, Slack's limit for a modal title",
}


def _unescape(text: str) -> str:
    table = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), m.group(1)), text)


def read_po(path: Path) -> tuple[str, dict[str, tuple[str, str, bool]]]:
    """(header, msgctxt → (msgid, msgstr, fuzzy)): a minimal reader for this catalogue's layout."""
    header = ""
    entries: dict[str, tuple[str, str, bool]] = {}
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        fields: dict[str, str] = {}
        fuzzy = False
        current = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                assert current is not None, f"continuation line without a keyword: {line}"
                fields[current] += _unescape(line[1:-1])
            else:
                current, _, rest = line.partition(" ")
                assert current not in fields, f"{current} twice in one entry: {block[:80]}"
                fields[current] = _unescape(rest.strip()[1:-1])
        if not fields:
            continue
        if "msgctxt" not in fields and fields.get("msgid") == "":
            header = fields["msgstr"]
            continue
        key = fields["msgctxt"]
        assert key not in entries, f"two entries for {key}"
        entries[key] = (fields["msgid"], fields["msgstr"], fuzzy)
    return header, entries


HEADER, ENTRIES = read_po(PO)


def placeholders(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in Formatter().parse(text) if name is not None)


def prose(text: str) -> str:
    """The text with what French typography does not apply to (URLs, Slack markup, code, emoji, times) masked."""
    text = re.sub(r"https?://\S+", "X", text)
    text = re.sub(r"`[^`]*`", "X", text)
    text = re.sub(r"<[^<>]*>", "X", text)
    text = re.sub(r":[a-z0-9_+\-]+:", "X", text)
    return re.sub(r"\d:\d", "X", text)


def test_header_is_french_utf8_with_french_plurals():
    assert "Language: fr\n" in HEADER
    assert "Content-Type: text/plain; charset=utf-8\n" in HEADER.replace("UTF-8", "utf-8")
    assert "Plural-Forms: nplurals=2; plural=(n > 1);\n" in HEADER


def test_every_english_key_has_its_entry_with_the_exact_english():
    assert sorted(set(EN) - set(ENTRIES)) == [], "keys without a French entry: run tools/make_po.py fr"
    assert sorted(set(ENTRIES) - set(EN)) == [], "entries for keys no longer in EN: run tools/make_po.py fr"
    changed = [key for key, english in EN.items() if ENTRIES[key][0] != english]
    assert changed == [], "English changed since translation: run tools/make_po.py fr and retranslate"


def test_every_entry_is_translated_and_not_fuzzy():
    assert [key for key, (_, msgstr, _) in ENTRIES.items() if not msgstr.strip()] == []
    assert [key for key, (_, _, fuzzy) in ENTRIES.items() if fuzzy] == []


@pytest.mark.parametrize("key", sorted(EN))
def test_placeholders_are_kept(key):
    assert placeholders(ENTRIES[key][1]) == placeholders(EN[key])


@pytest.mark.parametrize("key", sorted(EN))
def test_french_typography(key):
    french = ENTRIES[key][1]
    text = prose(french)
    for match in re.finditer(r"[?!;:]", text):
        before = text[match.start() - 1] if match.start() else ""
        # A narrow no-break space, or another such sign right before it ("?!").
        assert before in (NNBSP, "?", "!"), f"{match.group()!r} not after U+202F in {key}: {french!r}"
    for match in re.finditer("«", text):
        assert text[match.end() : match.end() + 1] == NNBSP, f"« without U+202F after it in {key}"
    for match in re.finditer("»", text):
        assert text[match.start() - 1 : match.start()] == NNBSP, f"» without U+202F before it in {key}"
    assert "“" not in french and "”" not in french, f"English quotes in {key}: use « »"
    assert not re.search(r"[ \u00a0\u202f][,.](?!\.)", text.replace("…", "")), f"space before , or . in {key}"


def test_slack_markup_is_kept():
    for key, english in EN.items():
        french = ENTRIES[key][1]
        for pattern in (r"<[@#!][^<>|]*", r":[a-z0-9_+\-]+:", r"\n"):
            assert sorted(re.findall(pattern, french)) == sorted(re.findall(pattern, english)), (key, pattern)
        assert french.count("•") == english.count("•"), key
        assert french.count("`") == english.count("`"), key


# (oauth_* texts are web pages, not Slack surfaces.)
SHORT_KEYS = sorted(key for key in EN if any(part in key for part in SHORT_KEY_PARTS) and not key.startswith("oauth_"))


@pytest.mark.parametrize("key", SHORT_KEYS)
def test_short_texts_fit_slack_and_stay_close_to_the_english(key):
    english, french = EN[key], ENTRIES[key][1]
    if "button" in key or "option" in key or "submit" in key or "cancel" in key:
        assert len(french) <= 75, f"{key}: {len(french)} characters, Slack allows 75"
    if "_title" in key and len(english) <= 24 and not placeholders(english):
        assert len(french) <= 24, f"{key}: {len(french)} characters, a modal title allows 24"
    if key not in LONGER_ON_PURPOSE:
        assert len(french) <= max(1.3 * len(english), len(english) + 7), f"{key}: {french!r} much longer"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_msgfmt_compiles_the_catalogue(tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "codev.mo"), str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
