"""Create or update a gettext catalogue (PO) from the English texts in ``bot/messages.py``.

One entry per key of ``EN``: ``msgctxt`` is the key, ``msgid`` the English text. Translations
already in the PO are kept; an entry whose English changed since it was translated is marked
``fuzzy`` so the translator looks at it again; keys gone from ``EN`` are dropped.

    .venv/bin/python tools/make_po.py fr                   # update locale/fr/LC_MESSAGES/codev.po
    .venv/bin/python tools/make_po.py fr --from FILE.txt   # take translations from FILE.txt
                                                           # (lines `key = "json string"`)

For French, ``--typography`` (on by default for ``fr``) turns a plain space before ``? ! ; :``
and inside « » into a narrow no-break space (U+202F), leaving emoji codes and times alone.
Babel is not needed; ``msgfmt --check`` can validate the result.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.messages import EN  # noqa: E402

NNBSP = "\u202f"
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);"}
LANGUAGE_TEAMS = {"fr": "French"}


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def unescape(text: str) -> str:
    table = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), m.group(1)), text)


def po_string(keyword: str, text: str) -> str:
    """A PO field; texts with line breaks are written one line per source line, as msgmerge does."""
    if "\n" not in text.rstrip("\n"):
        return f'{keyword} "{escape(text)}"\n'
    lines = text.splitlines(keepends=True)
    return f'{keyword} ""\n' + "".join(f'"{escape(line)}"\n' for line in lines)


def read_po(path: Path) -> dict[str, tuple[str, str, bool]]:
    """msgctxt → (msgid, msgstr, fuzzy), for this file's simple layout (no plurals yet)."""
    entries: dict[str, tuple[str, str, bool]] = {}
    if not path.exists():
        return entries
    fields: dict[str, str] = {}
    fuzzy = False
    current: str | None = None

    def flush() -> None:
        nonlocal fields, fuzzy, current
        if "msgctxt" in fields and "msgid" in fields:
            entries[fields["msgctxt"]] = (fields["msgid"], fields.get("msgstr", ""), fuzzy)
        fields, fuzzy, current = {}, False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#,"):
            fuzzy = fuzzy or "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if current is not None:
                fields[current] += unescape(line[1:-1])
        else:
            keyword, _, rest = line.partition(" ")
            if keyword == "msgctxt" and "msgid" in fields:
                flush()
            current = keyword
            fields[keyword] = unescape(rest.strip()[1:-1])
    flush()
    return entries


def french_typography(text: str) -> str:
    """Narrow no-break space before ? ! ; : and inside « », from the plain spaces a translator types."""
    text = re.sub(r"«[ \u00a0]?", "«" + NNBSP, text)
    text = re.sub(r"[ \u00a0]?»", NNBSP + "»", text)
    text = re.sub(r"[ \u00a0]([?!;])", NNBSP + r"\1", text)
    # A colon that ends a phrase (followed by a space, the end, markup or a closing sign), not an
    # emoji code such as " :seedling:" whose colon is followed by a letter.
    text = re.sub(r"[ \u00a0]:(?=$|[\s*_)»\u202f])", NNBSP + ":", text)
    return text


def read_translations(path: Path) -> dict[str, str]:
    result: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition(" = ")
        if not sep:
            raise SystemExit(f'not a `key = "text"` line: {line[:60]}')
        result[key.strip()] = json.loads(value)
    return result


def header(lang: str) -> str:
    return (
        "# French translation of codev's texts.\n"
        "# Tutoiement throughout: the members of a co-development group are peers.\n"
        "#\n"
        'msgid ""\n'
        'msgstr ""\n'
        '"Project-Id-Version: codev\\n"\n'
        '"Report-Msgid-Bugs-To: \\n"\n'
        '"POT-Creation-Date: 2026-11-28 00:00+0000\\n"\n'
        '"PO-Revision-Date: 2026-11-28 00:00+0000\\n"\n'
        '"Last-Translator: codev translators\\n"\n'
        f'"Language-Team: {LANGUAGE_TEAMS.get(lang, lang)}\\n"\n'
        f'"Language: {lang}\\n"\n'
        '"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Content-Transfer-Encoding: 8bit\\n"\n'
        f'"Plural-Forms: {PLURAL_FORMS.get(lang, "nplurals=2; plural=(n != 1);")}\\n"\n'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lang")
    parser.add_argument("--from", dest="source", type=Path, help='translations as `key = "json"` lines')
    parser.add_argument("--no-typography", action="store_true")
    args = parser.parse_args()

    path = ROOT / "bot" / "locale" / args.lang / "LC_MESSAGES" / "codev.po"
    existing = read_po(path)
    given = read_translations(args.source) if args.source else {}
    typography = args.lang == "fr" and not args.no_typography

    out = [header(args.lang)]
    missing = fuzzy_count = 0
    for key, english in EN.items():
        fuzzy = False
        if key in given:
            msgstr = given[key]
        elif key in existing:
            old_id, msgstr, fuzzy = existing[key]
            fuzzy = fuzzy or (old_id != english and bool(msgstr))
        else:
            msgstr = ""
        if typography and msgstr:
            msgstr = french_typography(msgstr)
        missing += not msgstr
        fuzzy_count += fuzzy
        entry = "\n"
        if fuzzy:
            entry += "#, fuzzy\n"
        entry += po_string("msgctxt", key) + po_string("msgid", english) + po_string("msgstr", msgstr)
        out.append(entry)
    unknown = sorted(set(given) - set(EN))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(out), encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: {len(EN)} entries, {missing} untranslated, {fuzzy_count} fuzzy")
    if unknown:
        print("translations for keys not in EN (ignored):", ", ".join(unknown))


if __name__ == "__main__":
    main()
