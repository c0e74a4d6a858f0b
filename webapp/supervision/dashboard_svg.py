"""Bar charts of the supervision dashboard as self-contained SVG, drawn on the server (no
script, no CDN). Built as an ElementTree, so every label is escaped; no style attributes
(the CSP forbids inline styles): presentation attributes draw the chart on its own and the
classes `chart`, `chart-bar`, `chart-label`, `chart-value` let app.css restyle it. Each
bar links to the cases behind it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
LABEL_W = 190
BAR_W = 360
VALUE_W = 90
ROW_H = 24
TOP = 8
MAX_LABEL = 14  # characters of a label shown (the full text is in the bar's title)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the number as shown next to the bar ("12", "75.0%")
    href: str


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _short(text: str) -> str:
    text = _clean(text)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def bar_chart(title: str, bars: Sequence[Bar], *, scale: float | None = None,
              chart_id: str = "") -> Markup:
    """A horizontal bar chart; `scale` is the value of a full bar (default: the largest)."""
    top = scale if scale is not None else max((b.value for b in bars), default=0.0)
    height = TOP * 2 + ROW_H * max(len(bars), 1)
    width = LABEL_W + BAR_W + VALUE_W
    svg = ET.Element("svg", {
        "xmlns": SVG_NS, "class": "chart", "role": "img", "width": str(width),
        "height": str(height), "viewBox": f"0 0 {width} {height}",
        "aria-label": _clean(title), "font-family": "sans-serif", "font-size": "12",
    })
    if chart_id:
        svg.set("id", chart_id)
    ET.SubElement(svg, "title").text = _clean(title)
    for i, bar in enumerate(bars):
        y = TOP + i * ROW_H
        link = ET.SubElement(svg, "a", {"href": bar.href, "class": "chart-link"})
        ET.SubElement(link, "title").text = f"{_clean(bar.label)}: {_clean(bar.text)}"
        label = ET.SubElement(link, "text", {
            "x": str(LABEL_W - 8), "y": str(y + 16), "text-anchor": "end",
            "class": "chart-label", "fill": "#30363d"})
        label.text = _short(bar.label)
        size = 0.0 if top <= 0 else max(0.0, min(1.0, bar.value / top)) * BAR_W
        ET.SubElement(link, "rect", {
            "x": str(LABEL_W), "y": str(y + 4), "width": f"{size:.1f}",
            "height": str(ROW_H - 8), "class": "chart-bar", "fill": "#2f6f9f"})
        value = ET.SubElement(link, "text", {
            "x": f"{LABEL_W + size + 6:.1f}", "y": str(y + 16), "class": "chart-value",
            "fill": "#30363d"})
        value.text = _clean(bar.text)
    return Markup(ET.tostring(svg, encoding="unicode"))
