"""Finding English catalogue text where a reader of another language should read theirs (issue 15, the proof).

Each English template of bot.messages.EN is cut at its {placeholders} and Slack markup; the literal pieces long
enough to be telling (>= 12 characters, with letters) are its *fingerprints*, unless the French catalogue has
them too (an emoji code, a `/codev …` command, a name, a shortcut named as Slack shows it). A fingerprint found
in what codev sent a French reader is an English text that escaped `reading(...)` or the catalogue.

Everything codev sends to Slack is gathered from the stand-in (Web API calls, response_url bodies) and from the
HTTP answers to Slack's requests, each labelled with where it went, so a failure says which key and which call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALE_DIR, SOURCE_LANGUAGE, translations
from bot.messages import EN, Plural
from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.standin import SlackStandIn

MIN_LENGTH = 12

# Where a template is cut: {placeholders}, <links|mentions|dates>, :emoji:, Slack's mrkdwn marks, line breaks,
# bullets and quotation marks (a piece of English between « » is still English, but the marks differ by language).
CUTS = re.compile(r"\{[^{}]*\}|<[^<>]*>|:[a-z0-9_+\-]+:|[*_~`\n•“”\"«»]|\s—\s|\s–\s")


@dataclass(frozen=True)
class Fingerprint:
    key: str
    text: str


def pieces(template: str) -> list[str]:
    """The literal pieces of a template, trimmed, that are long enough to tell English apart."""
    found = []
    for chunk in CUTS.split(template):
        chunk = chunk.strip(" \t.,;:!?()[]'’-")
        if len(chunk) >= MIN_LENGTH and re.search(r"[A-Za-z]{3}", chunk):
            found.append(chunk)
    return found


def _forms(language: str) -> Iterator[tuple[str, str]]:
    """(key, template) for every form of every key a reader of `language` may read: English has them all; another
    language only those its translators wrote (an entry left untranslated or fuzzy reads as its English, and
    must not excuse it, while one written as in English — "Consultation", "Pause" — does)."""
    catalogue = translations(language)
    written = translated_keys(language) if language != SOURCE_LANGUAGE else frozenset(EN)
    for key, english in EN.items():
        if key not in written:
            continue
        if isinstance(english, Plural):
            for count in (1, 2, 5):
                yield key, catalogue.npgettext(key, english.one, english.other, count)
        else:
            yield key, catalogue.pgettext(key, english)


@cache
def translated_keys(language: str) -> frozenset[str]:
    """The keys the `language` catalogue really translates: every form written, none fuzzy."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language, domain=DOMAIN)
    keys = set()
    for message in catalogue:
        forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.context and not message.fuzzy and all(forms):
            keys.add(message.context)
    return frozenset(keys)


@cache
def fingerprints(source: str, reader: str) -> tuple[Fingerprint, ...]:
    """The pieces of `source`'s texts that no text of `reader`'s language contains: seeing one in what was sent
    to that reader means a `source` text reached them."""
    theirs = "\n".join(template for _key, template in _forms(reader))
    prints: dict[tuple[str, str], Fingerprint] = {}
    for key, template in _forms(source):
        for piece in pieces(template):
            if piece not in theirs:
                prints[(key, piece)] = Fingerprint(key, piece)
    return tuple(prints.values())


def english_fingerprints(language: str = "fr") -> tuple[Fingerprint, ...]:
    return fingerprints(SOURCE_LANGUAGE, language)


# ---- what codev sent -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sent:
    where: str  # "chat.postMessage → D0BOB", "response_url R000012", "HTTP answer to /codev help"
    reader: str | None  # the person who reads it (U…), or the channel everyone reads (C…)
    text: str  # every string inside it, one per line


SKIPPED = {"action_id", "block_id", "callback_id", "value", "private_metadata", "ts", "thread_ts", "type", "style"}


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value (a view, blocks, a payload), keys and ids left out."""
    if isinstance(value, str):
        if value[:1] in "[{":
            try:
                yield from strings(json.loads(value))
                return
            except ValueError:
                pass
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in SKIPPED:
                continue  # ids codev gives itself and Block Kit's own words, never read by a person
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


READ_BY_PEOPLE = {
    "chat.postMessage": ("text", "blocks", "attachments"),
    "chat.update": ("text", "blocks", "attachments"),
    "chat.postEphemeral": ("text", "blocks", "attachments"),
    "chat.scheduleMessage": ("text", "blocks", "attachments"),
    "views.open": ("view",),
    "views.update": ("view",),
    "views.push": ("view",),
    "views.publish": ("view",),
    "files.completeUploadExternal": ("initial_comment", "files"),
}


def _person(channel: str | None) -> str | None:
    """A DM's reader (D0BOB → U0BOB, as the stand-in names DMs), else the channel itself."""
    if channel and channel.startswith("D"):
        return "U" + channel[1:]
    return channel


def _reader(standin: SlackStandIn, method: str, args: dict[str, Any]) -> str | None:
    if method == "chat.postEphemeral":
        return str(args.get("user"))
    if method in ("views.open", "views.push"):
        return str(args.get("trigger_id", "")).split(".")[1] if "." in str(args.get("trigger_id", "")) else None
    if method == "views.update":
        view = standin.views.get(str(args.get("view_id")))
        return view.get("_user") if view else None
    if method == "views.publish":
        return str(args.get("user_id"))
    return _person(args.get("channel") or args.get("channel_id"))


def sent_by_codev(standin: SlackStandIn, requests: Iterable[Request] = ()) -> list[Sent]:
    """What people could read of everything codev sent: Web API calls, response_url bodies, files, and the HTTP
    answers to Slack's requests (`requests`, kept by a RecordingDriver)."""
    requests = list(requests)
    clicked = {response_id: r.user for r in requests for response_id in r.response_ids}
    found: list[Sent] = []
    with standin._lock:  # the stand-in's own lock: the app may still be calling
        calls = list(standin.calls)
        responses = list(standin.responses)
        files = list(standin.files.values())
        for call in calls:
            fields = READ_BY_PEOPLE.get(call.method)
            if not fields:
                continue
            reader = _reader(standin, call.method, call.args)
            where = f"{call.method} → {reader}"
            text = "\n".join(s for name in fields if name in call.args for s in strings(call.args[name]))
            found.append(Sent(where, reader, text))
    for response in responses:
        payload = {k: v for k, v in response.items() if k in ("text", "blocks", "attachments")}
        reader = clicked.get(str(response.get("id")))
        found.append(Sent(f"response_url {response.get('id')} → {reader}", reader, "\n".join(strings(payload))))
    for stored in files:
        content = stored.get("content")
        if isinstance(content, bytes):
            reader = _person(stored.get("shared_in"))
            found.append(Sent(f"file {stored.get('name')} → {reader}", reader, content.decode(errors="replace")))
    for request in requests:
        if request.reply.body:
            text = "\n".join(strings(request.reply.body))
            found.append(Sent(f"HTTP answer to {request.what} → {request.user}", request.user, text))
    return found


def found_in(sent: Iterable[Sent], source: str, reader: str) -> list[str]:
    """Each `source`-language fingerprint found in what a `reader`-language reader got, as
    'key «piece» in where: …context…'."""
    prints = fingerprints(source, reader)
    leaks = []
    for item in sent:
        for fingerprint in prints:
            at = item.text.find(fingerprint.text)
            if at >= 0:
                context = item.text[max(0, at - 60) : at + len(fingerprint.text) + 60].replace("\n", " ⏎ ")
                leaks.append(f"{fingerprint.key} «{fingerprint.text}» in {item.where}: …{context}…")
    return leaks


def english_in(sent: Iterable[Sent], language: str = "fr") -> list[str]:
    """English catalogue text found in what readers of `language` got."""
    return found_in(sent, SOURCE_LANGUAGE, language)


# ---- Slack's requests, and codev's answers -------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    what: str  # "/codev help", "block_actions step_next", "view_submission synthesis", "event message"
    user: str | None  # who acted
    response_ids: tuple[str, ...]  # the response_urls it carried: what codev sends there is for `user`
    reply: Reply


class RecordingDriver(SlackDriver):
    """The same driver, keeping every request with codev's HTTP answer (a command's ephemeral, a modal's errors)."""

    def __init__(self, driver: SlackDriver) -> None:
        super().__init__(driver.app_url, driver.signing_secret, driver.standin)
        self.menus_show = driver.menus_show
        self._seq = driver._seq  # the same trigger ids and response_urls: never one twice
        self.requests: list[Request] = []

    def post(self, body: bytes, content_type: str, **kwargs: Any) -> Reply:
        reply = super().post(body, content_type, **kwargs)
        self.requests.append(_request(body, reply))
        return reply


def _request(body: bytes, reply: Reply) -> Request:
    text = body.decode(errors="replace")
    if text.startswith("{"):
        event = json.loads(text).get("event") or {}
        return Request(f"event {event.get('type', '?')}", event.get("user"), (), reply)
    form = {name: values[0] for name, values in parse_qs(text).items()}
    if "command" in form:
        what = f"{form['command']} {form.get('text', '')}".strip()
        return Request(what, form.get("user_id"), _response_ids(form.get("response_url")), reply)
    payload = json.loads(form.get("payload", "{}"))
    named = payload.get("callback_id") or (payload.get("view") or {}).get("callback_id")
    named = named or ",".join(a.get("action_id", "") for a in payload.get("actions", []))
    urls = [payload.get("response_url")] + [u.get("response_url") for u in payload.get("response_urls") or []]
    ids = tuple(i for url in urls for i in _response_ids(url))
    return Request(
        f"{payload.get('type', 'a request')} {named or ''}".strip(), (payload.get("user") or {}).get("id"), ids, reply
    )


def _response_ids(url: str | None) -> tuple[str, ...]:
    return (url.rstrip("/").rsplit("/", 1)[-1],) if url else ()
