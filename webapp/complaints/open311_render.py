"""Open311 answers as JSON or XML (`.json`/`.xml`): GeoReport's element names, characters
XML 1.0 cannot carry replaced, errors as GeoReport's list of {code, description}."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

# Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# XML: the element name of one item of each list.
ITEMS = {"services": "service", "service_requests": "request", "errors": "error",
         "attributes": "attribute", "values": "value", "endpoints": "endpoint",
         "formats": "format"}


def element(tag: str, value: Any) -> ET.Element:
    node = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            node.append(element(key, item))
    elif isinstance(value, list):
        for item in value:
            node.append(element(ITEMS[tag], item))
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = NOT_XML.sub("\ufffd", str(value))  # XML 1.0 has no place for them
    return node


def respond(fmt: str, root: str, payload: Any, status: int = 200) -> Response:
    if fmt == "xml":
        body = ET.tostring(element(root, payload), encoding="unicode", xml_declaration=False)
        return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body, status,
                        mimetype="text/xml")
    response = jsonify(payload)
    response.status_code = status
    return response


def errors(status: int, found: list[tuple[str | None, str]]) -> Response:
    fmt = "xml" if request.path.endswith(".xml") else "json"
    items = [{"code": status, "description": f"{p}: {d}" if p else d} for p, d in found]
    return respond(fmt, "errors", items, status)
