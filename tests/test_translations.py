"""The Spanish catalogue is complete, compiled, and used by the resident portal and the emails.

`make messages` collects every resident-facing string into locale/es/LC_MESSAGES/django.po and compiles
django.mo. These tests fail when an entry is left empty or fuzzy, when a translation drops or renames a
placeholder, or when the .mo was not compiled from the current .po.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale" / "es" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"$')
# %(name)s / %(name)d, bare %s / %d, str.format fields, HTML tags (name only: attributes may be translated).
_PLACEHOLDER = re.compile(r"%\([A-Za-z0-9_]+\)[sdif]|%%|%[sdif]|\{[A-Za-z0-9_]*\}|</?[A-Za-z]+")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"django.po line {self.line}: {self.msgid[:60]!r}"


def _unquote(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse_po(path: Path) -> list[Entry]:
    """A small .po parser: entries separated by blank lines; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                current.msgstr[target[1]] = value
            else:
                target = (keyword, 0)
                setattr(current, keyword, value)
            continue
        assert line.startswith('"') and line.endswith('"'), f"django.po line {number}: cannot parse {raw!r}"
        assert target is not None, f"django.po line {number}: continuation without a keyword"
        value = _unquote(line[1:-1])
        if target[0] == "msgstr":
            current.msgstr[target[1]] += value
        else:
            setattr(current, target[0], (getattr(current, target[0]) or "") + value)
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    parsed = parse_po(PO_PATH)
    assert parsed and parsed[0].msgid == "", "django.po must start with its header entry"
    return parsed


@pytest.fixture(scope="module")
def messages(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.msgid != ""]


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def test_the_catalogue_has_spanish_as_its_language(entries: list[Entry]) -> None:
    header = entries[0].msgstr[0]
    assert "Language: es\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms:" in header


def test_every_entry_is_translated(messages: list[Entry]) -> None:
    assert len(messages) > 100, "the catalogue looks truncated"
    empty = [entry.label for entry in messages if not entry.msgstr or any(v == "" for v in entry.msgstr.values())]
    assert not empty, f"{len(empty)} untranslated entries (run `make messages` and translate them):\n" + "\n".join(
        empty
    )


def test_no_entry_is_fuzzy(entries: list[Entry]) -> None:
    fuzzy = [entry.label for entry in entries if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy entries are not used at run time; check them and remove the flag:\n" + "\n".join(fuzzy)


def test_plural_entries_fill_every_form(entries: list[Entry], messages: list[Entry]) -> None:
    nplurals = int(re.search(r"nplurals=(\d+)", entries[0].msgstr[0]).group(1))
    plurals = [entry for entry in messages if entry.msgid_plural is not None]
    for entry in plurals:
        assert sorted(entry.msgstr) == list(range(nplurals)), entry.label


def test_translations_keep_the_placeholders_and_markup(messages: list[Entry]) -> None:
    wrong = []
    for entry in messages:
        if entry.msgid_plural is None:
            if _placeholders(entry.msgstr[0]) != _placeholders(entry.msgid):
                wrong.append(entry.label)
            continue
        allowed = set(_placeholders(entry.msgid_plural)) | set(_placeholders(entry.msgid))
        for text in entry.msgstr.values():
            if not set(_placeholders(text)) <= allowed:
                wrong.append(entry.label)
        if _placeholders(entry.msgstr[1]) != _placeholders(entry.msgid_plural):
            wrong.append(entry.label)
    assert not wrong, "placeholders or HTML tags differ from the English:\n" + "\n".join(wrong)


def test_translations_keep_leading_and_trailing_whitespace(messages: list[Entry]) -> None:
    def edges(text: str) -> tuple[str, str]:
        return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]

    wrong = [entry.label for entry in messages if edges(entry.msgstr[0]) != edges(entry.msgid)]
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalogue_matches_the_po_file(messages: list[Entry]) -> None:
    """django.mo must be compiled from the current django.po (run `make messages`)."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in messages:
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            if compiled.gettext(msgid) != entry.msgstr[0]:
                stale.append(entry.label)
        elif compiled.ngettext(msgid, entry.msgid_plural, 1) != entry.msgstr[0]:
            stale.append(entry.label)
    assert not stale, "django.mo is out of date; run `make messages`:\n" + "\n".join(stale)


@pytest.mark.django_db
def test_the_portal_home_page_is_in_spanish(client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es"' in html
    assert "¿En qué le podemos ayudar?" in html
    assert "Reportar un problema" in html
    assert "Ir al contenido principal" in html
    assert "What do you need help with?" not in html


@pytest.mark.django_db
def test_the_portal_home_page_stays_in_english_by_default(client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "What do you need help with?" in html


def test_notification_emails_render_in_spanish() -> None:
    with translation.override("es"):
        text = render_to_string("notifications/sign_in_link.txt", {"link": "https://example.test/l/abc", "minutes": 15})
    assert "Hola:" in text
    assert "El enlace funciona una sola vez, durante 15 minutos." in text
    assert "Este mensaje se envió automáticamente." in text
