"""The French catalogue (bot/locale/fr/LC_MESSAGES/codev.po) against the English texts in bot/messages.py, read
with Babel as `pybabel` and codev read it.

Every key of EN has its entry (msgctxt = key, msgid = the English, msgid_plural for a `Plural`), translated, not
fuzzy, none obsolete, with the same {placeholders} in every form; French typography (a narrow no-break space
before ? ! ; : and inside « »); the catalogue compiles; the committed template bot/locale/codev.pot is what
extraction gives today; and the short texts Slack limits (buttons, options, modal titles) stay within those
limits and close to the English length. After changing EN: `make catalogues`, then translate what it left empty.
"""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.extract import extract_catalogue
from bot.messages import EN, Plural

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "bot" / "locale"
PO = LOCALE / "fr" / "LC_MESSAGES" / "codev.po"
POT = LOCALE / "codev.pot"
NNBSP = "\u202f"
SHORT_KEY_PARTS = ("button", "_title", "submit", "cancel", "option")
# Keys whose French may exceed the ~1.3x length guide, each for a reason (Slack's hard limits still hold).
LONGER_ON_PURPOSE = {
    "summary_edit_title": "« compte rendu » is the method's word; 24 characters, Slack's limit for a modal title",
}


def load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale="fr" if path == PO else None, domain="codev")


CATALOG = load(PO)
ENTRIES: dict[str, Message] = {m.context: m for m in CATALOG if m.id and m.context}


def english_forms(key: str) -> tuple[str, ...]:
    english = EN[key]
    return (english.one, english.other) if isinstance(english, Plural) else (english,)


def ids(message: Message) -> tuple[str, ...]:
    """A message's English: (msgid,) or (msgid, msgid_plural)."""
    return tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)


def french_forms(key: str) -> tuple[str, ...]:
    string = ENTRIES[key].string
    return tuple(string) if isinstance(string, list | tuple) else (string,)


def pairs(key: str) -> list[tuple[str, str]]:
    """(English, French) form by form: French's first plural form (n <= 1) answers English's 'one'."""
    return list(zip(english_forms(key), french_forms(key), strict=True))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def prose(text: str) -> str:
    """The text with what French typography does not apply to (URLs, Slack markup, code, emoji, times) masked."""
    text = re.sub(r"https?://\S+", "X", text)
    text = re.sub(r"`[^`]*`", "X", text)
    text = re.sub(r"<[^<>]*>", "X", text)
    text = re.sub(r":[a-z0-9_+\-]+:", "X", text)
    return re.sub(r"\d:\d", "X", text)


def test_header_is_french_utf8_with_french_plurals() -> None:
    assert str(CATALOG.locale) == "fr"
    assert CATALOG.charset.lower() == "utf-8"
    assert CATALOG.plural_forms == "nplurals=2; plural=(n > 1);"
    assert CATALOG.num_plurals == 2


def test_every_english_key_has_its_entry_with_the_exact_english() -> None:
    assert sorted(set(EN) - set(ENTRIES)) == [], "keys without a French entry: run `make catalogues`"
    assert sorted(set(ENTRIES) - set(EN)) == [], "entries for keys no longer in EN: run `make catalogues`"
    changed = [key for key in EN if ids(ENTRIES[key]) != english_forms(key)]
    assert changed == [], "English changed since translation: run `make catalogues` and translate again"
    assert [key for key in EN if ENTRIES[key].pluralizable != isinstance(EN[key], Plural)] == []
    assert list(CATALOG.obsolete) == [], "obsolete (#~) entries: `make catalogues` drops them"


def test_every_entry_is_translated_and_not_fuzzy() -> None:
    assert [key for key in EN if not all(form.strip() for form in french_forms(key))] == []
    assert [key for key in EN if ENTRIES[key].fuzzy] == []
    assert [key for key in EN if len(french_forms(key)) != len(english_forms(key))] == []


def test_every_plural_has_two_english_forms() -> None:
    """A `Plural` is a wording that changes with a count ({count}, or how many {people} are named)."""
    plurals = [english for english in EN.values() if isinstance(english, Plural)]
    assert plurals, "the catalogue has plural entries"
    assert [p for p in plurals if p.one == p.other] == []


@pytest.mark.parametrize("key", sorted(EN))
def test_placeholders_are_kept(key: str) -> None:
    for index, (english, french) in enumerate(pairs(key)):
        expected = placeholders(english)
        if isinstance(EN[key], Plural) and index == 0:
            # French says n <= 1 in its first form: it may show {count} where English wrote "1" or "a".
            assert placeholders(french) - {"count"} == expected - {"count"}, (key, french)
        else:
            assert placeholders(french) == expected, (key, french)


@pytest.mark.parametrize("key", sorted(EN))
def test_french_typography(key: str) -> None:
    for french in french_forms(key):
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


def test_slack_markup_is_kept() -> None:
    for key in EN:
        for english, french in pairs(key):
            for pattern in (r"<[@#!][^<>|]*", r":[a-z0-9_+\-]+:", r"\n"):
                assert sorted(re.findall(pattern, french)) == sorted(re.findall(pattern, english)), (key, pattern)
            assert french.count("•") == english.count("•"), key
            assert french.count("`") == english.count("`"), key


# (oauth_* texts are web pages, and language_option* lines of a message, not Slack's short surfaces.)
SHORT_KEYS = sorted(
    key
    for key in EN
    if any(part in key for part in SHORT_KEY_PARTS) and not key.startswith(("oauth_", "language_option"))
)


@pytest.mark.parametrize("key", SHORT_KEYS)
def test_short_texts_fit_slack_and_stay_close_to_the_english(key: str) -> None:
    for english, french in pairs(key):
        if "button" in key or "option" in key or "submit" in key or "cancel" in key:
            assert len(french) <= 75, f"{key}: {len(french)} characters, Slack allows 75"
        if "_title" in key and len(english) <= 24 and not placeholders(english):
            assert len(french) <= 24, f"{key}: {len(french)} characters, a modal title allows 24"
        if key not in LONGER_ON_PURPOSE:
            assert len(french) <= max(1.3 * len(english), len(english) + 7), f"{key}: {french!r} much longer"


def test_the_catalogue_checks_and_compiles() -> None:
    problems = [(message.context, errors) for message, errors in CATALOG.check()]
    assert problems == []
    buffer = io.BytesIO()
    write_mo(buffer, CATALOG)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    assert compiled.pgettext("pace_live", EN["pace_live"]) == ENTRIES["pace_live"].string  # type: ignore[arg-type]
    step_closed = EN["step_closed"]
    assert isinstance(step_closed, Plural)
    forms = [compiled.npgettext("step_closed", step_closed.one, step_closed.other, n) for n in (0, 1, 2)]
    assert forms[0] == forms[1] != forms[2], "French: 0 and 1 take the first form"


def test_the_committed_template_is_what_extraction_gives_today() -> None:
    """Whoever changes EN runs `make catalogues`: the committed .pot holds the same entries as a fresh extraction."""
    fresh = {
        (context, *(message if isinstance(message, tuple) else (message, None)))
        for _line, message, _comments, context in extract_from_file(extract_catalogue, str(ROOT / "bot/messages.py"))
    }
    committed = {(m.context, *(ids(m) if m.pluralizable else (m.id, None))) for m in load(POT) if m.id}
    assert sorted(fresh - committed, key=str) == [], "EN has texts the .pot lacks: run `make catalogues`"
    assert sorted(committed - fresh, key=str) == [], "the .pot has texts EN dropped: run `make catalogues`"
