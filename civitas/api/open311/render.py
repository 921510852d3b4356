"""Open311 answers as JSON or XML (UTF-8). XML is built with ElementTree, so text is escaped by construction.

A list of rows becomes a JSON array, or in XML a root element holding one element per row
(`<services><service>…`); a dict becomes a JSON object or a root element with one child per field. Lists
inside a row repeat their item element (`<attributes><attribute>…`, `<groups><group>…`).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# The element each item of a list is written as, by the list's name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "groups": "group",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}
# Characters XML 1.0 cannot hold at all (control characters other than tab, newline, carriage return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def w3c(moment: datetime) -> str:
    """A W3C datetime with its offset, in the deployment's time zone (2026-11-23T14:02:00-05:00)."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def to_json(data: Any) -> bytes:
    zone = timezone.get_current_timezone()  # looked up once: a 1,000-row answer holds ~3,000 datetimes

    def encode(value: Any) -> str:
        if isinstance(value, datetime):
            return value.astimezone(zone).isoformat(timespec="seconds")
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    return json.dumps(data, default=encode, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, _plain(data))
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")


def render(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """`data` in `fmt` ("json" or "xml"); `root` names the XML root element."""
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]))


def error(fmt: str, status: int, description: str, **headers: str) -> HttpResponse:
    """The spec's error answer: a list of {code, description} (XML `<errors><error>…`)."""
    fmt = fmt if fmt in CONTENT_TYPES else "json"
    response = render(fmt, "errors", [{"code": status, "description": description}], status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response
