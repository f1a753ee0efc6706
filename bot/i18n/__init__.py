"""Every text a person reads, in their language: gettext catalogues, the reader's language, dates by Babel.

The English texts live in ``bot/messages.py`` (``EN``), one key each; ``pybabel extract`` turns them into
``bot/locale/codev.pot`` (msgctxt = the key, msgid = the English), translators fill one
``bot/locale/<lang>/LC_MESSAGES/codev.po`` per language and ``pybabel compile`` (run by the package build
and by ``make``) makes the ``.mo`` files read here. A key is looked up with ``pgettext``/``npgettext``, so a
translation never depends on how an English sentence happens to read elsewhere.

Whose language: the code that knows who will read a text says so once, with ``reading(...)`` (a person's
language, or a group's for what a channel reads); every ``t()`` beneath it, in this thread or in listener
threads started from it, uses that language. Nothing else passes a locale around.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import io
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.messages import EN, Plural

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "codev"
SOURCE_LANGUAGE = "en"
AUTO = "auto"  # a stored preference meaning "follow Slack" (a person) or "most members" (a group)


class LazyLanguage:
    """A reader's language, looked up the first time a text needs it (many requests render no text)."""

    def __init__(self, resolve: Callable[[], str]) -> None:
        self._resolve = resolve
        self._value: str | None = None
        self._lock = threading.Lock()

    def get(self) -> str:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    try:
                        self._value = supported(self._resolve())
                    except Exception:  # a lookup that fails must not cost the person their answer
                        self._value = SOURCE_LANGUAGE
        return self._value


_reader: contextvars.ContextVar[str | LazyLanguage] = contextvars.ContextVar("codev_language", default=SOURCE_LANGUAGE)


@contextlib.contextmanager
def reading(language: str | LazyLanguage | None) -> Iterator[None]:
    """Texts rendered inside the block are for a reader of `language` (None: leave the current one)."""
    if language is None:
        yield
        return
    token = _reader.set(language if isinstance(language, LazyLanguage) else supported(language))
    try:
        yield
    finally:
        _reader.reset(token)


def read_for(language: str | LazyLanguage) -> None:
    """Like `reading`, for the rest of the current context (a Bolt middleware has no block to wrap)."""
    _reader.set(language if isinstance(language, LazyLanguage) else supported(language))


def current_language() -> str:
    value = _reader.get()
    return value.get() if isinstance(value, LazyLanguage) else value


@cache
def languages() -> tuple[str, ...]:
    """The languages codev speaks: English, and every language with a catalogue under bot/locale."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    found |= {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return (SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE}))


def supported(locale: str | None) -> str:
    """The language codev speaks for a Slack locale ('fr-FR', 'fr_CA', 'fr'): its own, or English."""
    if not locale:
        return SOURCE_LANGUAGE
    language = locale.replace("_", "-").split("-")[0].lower()
    return language if language in languages() else SOURCE_LANGUAGE


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of `language`; compiled in memory from its .po when no fresh .mo is there."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if po.exists():  # a checkout where nobody ran `pybabel compile` since the .po changed
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=language, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalogue)  # skips fuzzy entries, as msgfmt does
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


def t(key: str, /, **params: object) -> str:
    """The text for `key` in the current reader's language (English when untranslated), {params} filled in."""
    english = EN[key]
    if isinstance(english, Plural):
        raise TypeError(f"{key} has plural forms: use tn({key!r}, count, ...)")
    template = translations(current_language()).pgettext(key, english)
    return template.format(**params) if params else template


def tn(key: str, count: int, /, **params: object) -> str:
    """The plural text for `key` that fits `count`, in the current reader's language; {count} is filled in."""
    english = EN[key]
    if not isinstance(english, Plural):
        raise TypeError(f"{key} has no plural forms: use t({key!r}, ...)")
    template = translations(current_language()).npgettext(key, english.one, english.other, count)
    return template.format(count=count, **params)


def join_names(names: Iterable[str]) -> str:
    """Names (or mentions) as one phrase in the reader's language: "A, B, and C" / "A, B et C"."""
    return format_list(list(names), locale=babel_locale(current_language()))


# ---- dates, for the reader's locale (Slack renders `<!date^…>` itself; these are for fallbacks and files) ----
@cache
def babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(SOURCE_LANGUAGE)


def format_day(day: date, format: str = "medium") -> str:
    """A calendar day as the reader writes it: 'Dec 7, 2026' / '7 déc. 2026'."""
    return babel_dates.format_date(day, format=format, locale=babel_locale(current_language()))


def format_moment(moment: datetime, zone: tzinfo | None = None) -> str:
    """A date and time on the reader's clock (`zone`), as the reader writes them: 'Dec 7, 2026, 9:40 PM' /
    '7 déc. 2026, 21:40'."""
    locale = babel_locale(current_language())
    day = babel_dates.format_date(moment.astimezone(zone) if zone else moment, format="medium", locale=locale)
    clock = babel_dates.format_time(moment, format="short", tzinfo=zone, locale=locale)
    # The locale's own way of joining a date and a time ("{1}, {0}", "{1} 'à' {0}"...).
    joined = str(babel_dates.get_datetime_format("medium", locale=locale)).replace("'", "")
    return joined.replace("{1}", day).replace("{0}", clock)


def format_time(moment: datetime, zone: tzinfo | None = None) -> str:
    """A time of day on the reader's clock: '9:30 AM' / '09:30'."""
    return babel_dates.format_time(moment, format="short", tzinfo=zone, locale=babel_locale(current_language()))


def weekday_names() -> tuple[str, ...]:
    """Monday to Sunday, abbreviated as the reader writes them: codev's own 'mon'…'sun' in English (what the
    group modal has always shown), 'lun.'…'dim.' in French (typed back, they are understood)."""
    language = current_language()
    if language == SOURCE_LANGUAGE:
        return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    names = babel_dates.get_day_names("abbreviated", locale=babel_locale(language))
    return tuple(str(names[n]) for n in range(7))


def language_name(language: str) -> str:
    """A language's name in that language, capitalised: 'English', 'Français'."""
    name = babel_locale(language).get_display_name(babel_locale(language)) or language
    return name[:1].upper() + name[1:]
