"""A process diagram as a self-contained SVG, drawn on the server (no script, no CDN).

Every text comes from a BPMN file and is treated as untrusted: the SVG is built as an
ElementTree, which escapes text and attributes, and control characters are dropped. No
style attributes (the CSP forbids inline styles): presentation attributes draw it on its
own, classes (`is-visited`, `is-current`, `is-idle`, `is-taken`) let app.css restyle it.
"""

from __future__ import annotations

import math
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from models import Case
from webapp.core.i18n import process_label, role_label
from workflows.kernel import engine, processes
from workflows.kernel.diagram import (
    CONTAINERS,
    EVENTS,
    GATEWAYS,
    Bounds,
    Diagram,
    DiagramError,
    Edge,
    EventLike,
    Progress,
    Shape,
    parse_diagram,
    path_of,
    progress_at,
)
from workflows.kernel.errors import CaseError
from workflows.kernel.store import case_events

FONT = 12
LINE = 15
COLOURS = {  # state: (stroke, fill, text)
    "idle": ("#9aa3ad", "#ffffff", "#59636e"),
    "visited": ("#1f7a44", "#e8f5ec", "#173d27"),
    "current": ("#c2410c", "#fff1e0", "#7c2d12"),
}
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(f"[{_WIDE}]|\\s+|[^\\s{_WIDE}]+")
_CJK = re.compile(f"[{_WIDE}]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CACHE: dict[str, Diagram] = {}
_LOCK = threading.Lock()


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _units(text: str) -> float:
    return sum(1.0 if _CJK.match(c) else 0.3 if c.isspace() else 0.58 for c in text)


def wrap(text: str, width: float, max_lines: int, size: int = FONT) -> list[str]:
    """Lines of at most `width` pixels (CJK characters one em, Latin ~0.6 em), the last
    one cut with an ellipsis when the text does not fit in `max_lines`."""
    limit = max(width / size, 1.0)
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(_clean(text)):
        pieces = [token] if _units(token) <= limit else list(token)
        for piece in pieces:
            if line and _units(line + piece) > limit:
                lines.append(line.rstrip())
                line = piece.lstrip()
            else:
                line += piece
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines > 0:
        last = lines[max_lines - 1]
        while last and _units(last + "…") > limit:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Svg:
    def __init__(self, diagram: Diagram, progress: Progress, labels: bool, prefix: str,
                 lane_label: Callable[[str], str]) -> None:
        self.d, self.p, self.labels, self.prefix = diagram, progress, labels, prefix
        self.lane_label = lane_label

    def state(self, element_id: str) -> str:
        if element_id in self.p.current:
            return "current"
        return "visited" if element_id in self.p.visited else "idle"

    def text(self, parent: ET.Element, lines: Sequence[str], x: float, y: float,
             colour: str, anchor: str = "middle", size: int = FONT) -> None:
        if not self.labels or not lines:
            return
        el = ET.SubElement(parent, "text", {"x": _f(x), "y": _f(y), "text-anchor": anchor,
                                             "font-size": str(size), "fill": colour,
                                             "class": "bpmn-label"})
        for i, line in enumerate(lines):
            span = ET.SubElement(el, "tspan", {"x": _f(x), "dy": "0" if i == 0 else str(LINE)})
            span.text = line

    def group(self, parent: ET.Element, shape: Shape, state: str, title: str) -> ET.Element:
        g = ET.SubElement(parent, "g", {
            "class": f"bpmn-node bpmn-{shape.kind} is-{state}", "data-element-id": shape.id})
        ET.SubElement(g, "title").text = _clean(title)
        return g


def _state_word(state: str) -> str:
    if state == "current":
        return str(_("open now"))
    return str(_("passed") if state == "visited" else _("not reached"))


def _band(svg: _Svg, root: ET.Element, shape: Shape, b: Bounds, label: str) -> None:
    g = svg.group(root, shape, "idle", label)
    g.set("class", f"bpmn-band bpmn-{shape.kind}")
    fill = "#ffffff" if shape.kind == "participant" else "#f7f8fa"
    ET.SubElement(g, "rect", {"x": _f(b.x), "y": _f(b.y), "width": _f(b.width),
                              "height": _f(b.height), "fill": fill, "stroke": "#c5ccd3"})
    ET.SubElement(g, "line", {"x1": _f(b.x + 30), "y1": _f(b.y), "x2": _f(b.x + 30),
                              "y2": _f(b.y + b.height), "stroke": "#c5ccd3"})
    cx, cy = b.x + 15, b.y + b.height / 2
    lines = wrap(label, b.height - 10, 1)
    if svg.labels and lines:
        t = ET.SubElement(g, "text", {"x": _f(cx), "y": _f(cy + 4), "text-anchor": "middle",
                                      "font-size": str(FONT), "fill": "#3c4650",
                                      "transform": f"rotate(-90 {_f(cx)} {_f(cy)})",
                                      "class": "bpmn-label bpmn-lane-label"})
        t.text = lines[0]


def _activity(svg: _Svg, g: ET.Element, shape: Shape, b: Bounds, state: str) -> None:
    stroke, fill, ink = COLOURS[state]
    width = "3" if state == "current" else "1.5"
    container = shape.kind in CONTAINERS
    ET.SubElement(g, "rect", {"x": _f(b.x), "y": _f(b.y), "width": _f(b.width),
                              "height": _f(b.height), "rx": "10",
                              "fill": "none" if container else fill, "stroke": stroke,
                              "stroke-width": width, "class": "bpmn-shape"})
    if shape.kind == "userTask":
        x, y = b.x + 8, b.y + 6
        ET.SubElement(g, "circle", {"cx": _f(x + 6), "cy": _f(y + 4), "r": "3", "fill": "none",
                                    "stroke": stroke})
        ET.SubElement(g, "path", {"d": f"M{_f(x)} {_f(y + 14)}q6 -9 12 0", "fill": "none",
                                  "stroke": stroke})
    elif shape.kind == "scriptTask":
        x, y = b.x + 8, b.y + 6
        ET.SubElement(g, "rect", {"x": _f(x), "y": _f(y), "width": "10", "height": "13",
                                  "fill": "none", "stroke": stroke})
        for dy in (4, 7, 10):
            ET.SubElement(g, "line", {"x1": _f(x + 2), "y1": _f(y + dy), "x2": _f(x + 8),
                                      "y2": _f(y + dy), "stroke": stroke})
    if container:
        svg.text(g, wrap(shape.name, b.width - 20, 1), b.x + 10, b.y + 18, ink, "start")
        return
    lines = wrap(shape.name, b.width - 10, max(int((b.height - 8) // LINE), 1))
    top = b.y + b.height / 2 - (len(lines) - 1) * LINE / 2 + FONT * 0.35
    svg.text(g, lines, b.x + b.width / 2, top, ink)


def _event(svg: _Svg, g: ET.Element, shape: Shape, b: Bounds, state: str) -> None:
    stroke, fill, ink = COLOURS[state]
    cx, cy, r = b.x + b.width / 2, b.y + b.height / 2, min(b.width, b.height) / 2
    width = "4" if shape.kind == "endEvent" else "3" if state == "current" else "1.5"
    outer = {"cx": _f(cx), "cy": _f(cy), "r": _f(r), "fill": fill, "stroke": stroke,
             "stroke-width": width, "class": "bpmn-shape"}
    if not shape.interrupting:
        outer["stroke-dasharray"] = "4 3"
    ET.SubElement(g, "circle", outer)
    if shape.kind in ("boundaryEvent", "intermediateCatchEvent", "intermediateThrowEvent"):
        inner = {"cx": _f(cx), "cy": _f(cy), "r": _f(r - 3), "fill": "none", "stroke": stroke}
        if not shape.interrupting:
            inner["stroke-dasharray"] = "4 3"
        ET.SubElement(g, "circle", inner)
    if shape.event == "timer":
        ET.SubElement(g, "circle", {"cx": _f(cx), "cy": _f(cy), "r": _f(r * 0.5),
                                    "fill": "#ffffff", "stroke": stroke})
        ET.SubElement(g, "path", {"d": f"M{_f(cx)} {_f(cy - r * 0.4)}V{_f(cy)}"
                                       f"L{_f(cx + r * 0.3)} {_f(cy + r * 0.15)}",
                                  "fill": "none", "stroke": stroke})
    elif shape.event == "terminate":
        ET.SubElement(g, "circle", {"cx": _f(cx), "cy": _f(cy), "r": _f(r * 0.6),
                                    "fill": stroke})
    elif shape.event == "error":
        s = r * 0.45
        ET.SubElement(g, "path", {"d": f"M{_f(cx - s)} {_f(cy + s)}L{_f(cx - s / 3)} {_f(cy - s)}"
                                       f"L{_f(cx + s / 3)} {_f(cy + s / 3)}L{_f(cx + s)} "
                                       f"{_f(cy - s)}", "fill": "none", "stroke": stroke})
    if shape.kind == "boundaryEvent":  # beside the flow that leaves it downwards
        svg.text(g, wrap(shape.name, 90, 2), cx + r * 0.7, b.y + b.height + FONT, ink, "start")
    else:
        svg.text(g, wrap(shape.name, 110, 2), cx, b.y + b.height + FONT + 2, ink)


def _gateway(svg: _Svg, g: ET.Element, shape: Shape, b: Bounds, state: str) -> None:
    stroke, fill, ink = COLOURS[state]
    cx, cy, hw, hh = b.x + b.width / 2, b.y + b.height / 2, b.width / 2, b.height / 2
    ET.SubElement(g, "polygon", {
        "points": f"{_f(cx)},{_f(b.y)} {_f(b.x + b.width)},{_f(cy)} {_f(cx)},"
                  f"{_f(b.y + b.height)} {_f(b.x)},{_f(cy)}",
        "fill": fill, "stroke": stroke, "stroke-width": "1.5", "class": "bpmn-shape"})
    s = min(hw, hh) * 0.4
    mark = {"fill": "none", "stroke": stroke, "stroke-width": "3", "stroke-linecap": "round"}
    if shape.kind == "exclusiveGateway":
        d = f"M{_f(cx - s)} {_f(cy - s)}L{_f(cx + s)} {_f(cy + s)}M{_f(cx + s)} {_f(cy - s)}" \
            f"L{_f(cx - s)} {_f(cy + s)}"
        ET.SubElement(g, "path", {"d": d, **mark})
    elif shape.kind in ("parallelGateway", "complexGateway"):
        d = f"M{_f(cx)} {_f(cy - s * 1.3)}V{_f(cy + s * 1.3)}M{_f(cx - s * 1.3)} {_f(cy)}" \
            f"H{_f(cx + s * 1.3)}"
        ET.SubElement(g, "path", {"d": d, **mark})
    else:
        ET.SubElement(g, "circle", {"cx": _f(cx), "cy": _f(cy), "r": _f(s * 1.2), **mark,
                                    "stroke-width": "2"})
    lines = wrap(shape.name, 110, 2)
    svg.text(g, lines, cx - hw * 0.5, b.y - 4 - (len(lines) - 1) * LINE, ink, "end")


def _artifact(svg: _Svg, g: ET.Element, shape: Shape, b: Bounds) -> None:
    stroke, fill, ink = COLOURS["idle"]
    x, y, w, h = b.x, b.y, b.width, b.height
    if shape.kind == "dataObjectReference":
        fold = min(w, h) * 0.3
        ET.SubElement(g, "path", {
            "d": f"M{_f(x)} {_f(y)}H{_f(x + w - fold)}L{_f(x + w)} {_f(y + fold)}"
                 f"V{_f(y + h)}H{_f(x)}ZM{_f(x + w - fold)} {_f(y)}V{_f(y + fold)}"
                 f"H{_f(x + w)}", "fill": fill, "stroke": stroke})
    else:
        ET.SubElement(g, "rect", {"x": _f(x), "y": _f(y), "width": _f(w), "height": _f(h),
                                  "fill": "none", "stroke": stroke,
                                  "stroke-dasharray": "3 3"})
    lines = wrap(shape.name, w + 4, 2, FONT - 1)
    svg.text(g, lines, x + w / 2, y + h + FONT + 2, ink, size=FONT - 1)


def _flow(svg: _Svg, root: ET.Element, edge: Edge) -> None:
    pts = edge.waypoints
    taken = edge.id in svg.p.taken
    sequence = edge.kind == "sequenceFlow"
    state = "taken" if taken else "idle"
    stroke = COLOURS["visited" if taken else "idle"][0]
    names = [svg.d.by_id[e].name if e in svg.d.by_id else e for e in (edge.source, edge.target)]
    title = edge.name or f"{names[0]} → {names[1]}"
    word = (_("taken") if taken else _("not taken")) if sequence else ""
    g = ET.SubElement(root, "g", {"class": f"bpmn-edge bpmn-{edge.kind} is-{state}"})
    ET.SubElement(g, "title").text = _clean(f"{title} · {word}" if word else title)
    d = "M" + "L".join(f"{_f(x)} {_f(y)}" for x, y in pts)
    attrs = {"d": d, "fill": "none", "stroke": stroke, "stroke-width": "2" if taken else "1.3",
             "class": f"bpmn-flow is-{state}"}
    if sequence:
        attrs["data-flow-id"] = edge.id
        attrs["marker-end"] = f"url(#{svg.prefix}-arrow-{state})"
    else:
        attrs["stroke-dasharray"] = "2 3"
        attrs["marker-end"] = f"url(#{svg.prefix}-arrow-idle)"
    ET.SubElement(g, "path", attrs)
    if edge.name and len(pts) >= 2:
        (x0, y0), (x1, y1) = pts[0], pts[1]
        if abs(x1 - x0) < abs(y1 - y0):
            x, y, anchor = x0 + 5, y0 + (FONT + 2 if y1 > y0 else -6), "start"
        else:
            x, y, anchor = x0 + (6 if x1 >= x0 else -6), y0 - 5, "start" if x1 >= x0 else "end"
        svg.text(g, wrap(edge.name, 90, 1), x, y, COLOURS["visited" if taken else "idle"][2],
                 anchor, FONT - 1)


def _defs(root: ET.Element, prefix: str) -> None:
    defs = ET.SubElement(root, "defs")
    for state, colour in (("idle", COLOURS["idle"][0]), ("taken", COLOURS["visited"][0])):
        marker = ET.SubElement(defs, "marker", {
            "id": f"{prefix}-arrow-{state}", "viewBox": "0 0 10 10", "refX": "9", "refY": "5",
            "markerWidth": "6", "markerHeight": "6", "orient": "auto-start-reverse"})
        ET.SubElement(marker, "path", {"d": "M0 0L10 5L0 10z", "fill": colour,
                                       "class": f"bpmn-arrow is-{state}"})


def _extent(diagram: Diagram) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for s in diagram.shapes:
        if s.bounds is not None:
            xs += [s.bounds.x, s.bounds.x + s.bounds.width]
            ys += [s.bounds.y, s.bounds.y + s.bounds.height]
    for e in diagram.edges:
        xs += [p[0] for p in e.waypoints]
        ys += [p[1] for p in e.waypoints]
    if not xs:
        return 0, 0, 100, 100
    pad = 12
    return min(xs) - pad, min(ys) - pad - LINE, max(xs) + pad, max(ys) + pad + 2 * LINE


def render(diagram: Diagram, progress: Progress, *, labels: bool = True, title: str = "",
           lane_label: Callable[[str], str] | None = None, id_prefix: str = "bpmn") -> Markup:
    """The diagram as an <svg> element, the path of `progress` marked."""
    x0, y0, x1, y1 = _extent(diagram)
    width, height = x1 - x0, y1 - y0
    current = [s.name or s.id for s in diagram.shapes if s.id in progress.current]
    tasks = " / ".join(current)
    if tasks:
        label = _("Process diagram: %(name)s. Open now: %(tasks)s", name=title, tasks=tasks)
    else:
        label = _("Process diagram: %(name)s", name=title)
    root = ET.Element("svg", {
        "xmlns": "http://www.w3.org/2000/svg", "viewBox": f"{_f(x0)} {_f(y0)} {_f(width)} "
        f"{_f(height)}", "width": _f(math.ceil(width)), "height": _f(math.ceil(height)),
        "class": "bpmn-diagram", "role": "img", "aria-label": _clean(label),
        "font-family": "sans-serif", "font-size": str(FONT)})
    ET.SubElement(root, "title").text = _clean(label)
    _defs(root, id_prefix)
    svg = _Svg(diagram, progress, labels, id_prefix, lane_label or (lambda n: n))
    drawn = [s for s in diagram.shapes if s.bounds is not None]
    for s in drawn:
        if s.kind in ("participant", "lane") and s.bounds is not None:
            _band(svg, root, s, s.bounds, svg.lane_label(s.name) if s.kind == "lane" else s.name)
    ordered = sorted(drawn, key=lambda s: (s.kind not in CONTAINERS, s.kind == "boundaryEvent"))
    for s in ordered:
        if s.kind in CONTAINERS and s.bounds is not None:
            state = svg.state(s.id)
            _activity(svg, svg.group(root, s, state, f"{s.name} · {_state_word(state)}"), s,
                      s.bounds, state)
    for edge in diagram.edges:
        if len(edge.waypoints) >= 2:
            _flow(svg, root, edge)
    for s in ordered:
        b = s.bounds
        if b is None or s.kind in ("participant", "lane") or s.kind in CONTAINERS:
            continue
        state = svg.state(s.id) if s.kind not in ("dataObjectReference", "dataStoreReference",
                                                  "textAnnotation", "group") else "idle"
        g = svg.group(root, s, state, f"{s.name or s.id} · {_state_word(state)}")
        if s.kind in EVENTS:
            _event(svg, g, s, b, state)
        elif s.kind in GATEWAYS:
            _gateway(svg, g, s, b, state)
        elif s.kind in ("dataObjectReference", "dataStoreReference", "textAnnotation", "group"):
            _artifact(svg, g, s, b)
        else:
            _activity(svg, g, s, b, state)
    return Markup(ET.tostring(root, encoding="unicode"))


# ------------------------------------------------------------------------- pages


def _diagram(defn: engine.ProcessDefinition) -> Diagram:
    cached = _CACHE.get(defn.content_hash)
    if cached is None:
        cached = parse_diagram(defn.sources.get(f"{defn.process_id}.bpmn", ""))
        with _LOCK:
            _CACHE[defn.content_hash] = cached
    return cached


def case_diagram(session: Session, case: Case, events: Sequence[EventLike] | None = None, *,
                 upto_seq: int | None = None) -> Markup | None:
    """The SVG of the case's pinned process version with its path (as of event `upto_seq`
    when given: time travel); None if it cannot be drawn (the page says so instead)."""
    try:
        defn = processes.definition(session, case.process_version_id)
        diagram = _diagram(defn)
    except (DiagramError, CaseError):
        return None
    try:
        finished: list[str] | None = engine.inspect(defn, case.snapshot).finished_task_ids
    except (CaseError, ValueError, KeyError):
        finished = None  # the diagram without the engine's word on branches
    evs = case_events(session, case.id) if events is None else events
    if upto_seq is None:
        progress = path_of(diagram, evs, finished=finished)
    else:
        progress = progress_at(diagram, evs, upto_seq, finished=finished)
    return render(diagram, progress, title=process_label(case.case_type), lane_label=role_label)


def version_diagram(session: Session, process_version_id: int) -> Markup | None:
    """The SVG of a process version with no path marked (the administrator's version page);
    None if it cannot be drawn."""
    try:
        defn = processes.definition(session, process_version_id)
        diagram = _diagram(defn)
    except (DiagramError, CaseError):
        return None
    return render(diagram, Progress(), title=process_label(defn.process_id),
                  lane_label=role_label)
