"""The BPMN diagram of a process version and the path a case took through it (pure data).

`parse_diagram` reads the shapes, edges and lanes of a BPMN file with its DI (hardened XML:
no DTD, no entities, no network). `progress_at` folds a case's events (their recorded diffs)
into the elements visited, the tasks open and the sequence flows taken, as of an event.

How the path is found: each engine event has a source, the element that moved (the start
events for `case_started`, the task a `task_completed` closed, the timer that fired), and
opens elements (tasks, timers of catch events). A flow is taken when a chain of flows leads
from a source moved at event i to an element opened at an event j >= i (or to an end event)
through elements that do not wait (gateways, script tasks, subprocess entries and exits...).
Those in between count as visited. `finished`, the element ids the engine completed (from
the case's snapshot), prunes the chains to branches really taken; without it nothing past
the first diverging gateway after a source is guessed (that gateway counts as reached, end
events count only when no diverging gateway lies between them and the source).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from lxml import etree

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
    remove_comments=True, remove_pis=True,
)
MAX_BYTES = 2_000_000

GATEWAYS = frozenset({"exclusiveGateway", "parallelGateway", "inclusiveGateway",
                      "eventBasedGateway", "complexGateway"})
EVENTS = frozenset({"startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent",
                    "intermediateThrowEvent"})
ACTIVITIES = frozenset({"task", "userTask", "manualTask", "scriptTask", "serviceTask",
                        "sendTask", "receiveTask", "businessRuleTask", "callActivity"})
CONTAINERS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
ARTIFACTS = frozenset({"dataObjectReference", "dataStoreReference", "textAnnotation", "group"})
SHAPE_KINDS = GATEWAYS | EVENTS | ACTIVITIES | CONTAINERS | ARTIFACTS | {"lane", "participant"}
EDGE_KINDS = frozenset({"sequenceFlow", "messageFlow", "association",
                        "dataInputAssociation", "dataOutputAssociation"})
# Elements a case waits in: their visits are in the events (tasks opened, timers set).
WAITING = frozenset({"task", "userTask", "manualTask", "receiveTask", "intermediateCatchEvent"})
DIVERGING = frozenset({"exclusiveGateway", "inclusiveGateway", "eventBasedGateway",
                       "complexGateway"})
STARTED = "case_started"


class DiagramError(ValueError):
    """The BPMN text cannot be read as a diagram (bad XML, a DTD, too big)."""


@dataclass(frozen=True)
class Bounds:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Shape:
    id: str
    kind: str  # the BPMN element's local name: userTask, exclusiveGateway, lane ...
    name: str
    bounds: Bounds | None
    parent: str | None = None  # the enclosing process or subprocess
    attached_to: str | None = None  # boundary events
    event: str | None = None  # the event definition: timer, error, message ...
    interrupting: bool = True
    expanded: bool = False
    triggered: bool = False  # an event subprocess


@dataclass(frozen=True)
class Edge:
    id: str
    kind: str  # sequenceFlow, dataInputAssociation ...
    source: str
    target: str
    name: str
    waypoints: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Diagram:
    shapes: tuple[Shape, ...]  # document order
    edges: tuple[Edge, ...]
    missing: tuple[str, ...] = ()  # ids of elements or flows without DI

    @cached_property
    def by_id(self) -> dict[str, Shape]:
        return {s.id: s for s in self.shapes}

    @property
    def lanes(self) -> tuple[Shape, ...]:
        return tuple(s for s in self.shapes if s.kind == "lane")

    @property
    def flows(self) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if e.kind == "sequenceFlow")

    @cached_property
    def successors(self) -> dict[str, list[tuple[str | None, str]]]:
        """(flow id or None for a subprocess entry/exit, next element) per element."""
        succ: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
        for flow in self.flows:
            succ[flow.source].append((flow.id, flow.target))
        for s in self.shapes:
            parent = self.by_id.get(s.parent or "")
            if parent is None or parent.kind not in CONTAINERS or parent.triggered:
                continue
            if s.kind == "startEvent":
                succ[parent.id].append((None, s.id))
            elif s.kind == "endEvent" and s.event == "error":
                succ[s.id] += [(None, b.id) for b in self.shapes
                               if b.attached_to == parent.id and b.event == "error"]
            elif s.kind == "endEvent":
                succ[s.id] += [f for f in succ[parent.id] if f[0] is not None]
        return dict(succ)


@dataclass(frozen=True)
class Progress:
    visited: frozenset[str] = frozenset()  # element ids reached (open tasks included)
    current: frozenset[str] = frozenset()  # element ids of the open tasks
    taken: frozenset[str] = frozenset()  # sequence flow ids taken
    upto_seq: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"visited": sorted(self.visited), "current": sorted(self.current),
                "taken": sorted(self.taken), "upto_seq": self.upto_seq}


class EventLike(Protocol):
    """What is read of a case event (models.CaseEvent fits)."""

    @property
    def seq(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def task_id(self) -> str | None: ...
    @property
    def diff(self) -> dict[str, Any]: ...


# ------------------------------------------------------------------------- parsing


def _float(el: Any, name: str) -> float:
    try:
        return float(el.get(name, "0"))
    except ValueError as err:
        raise DiagramError(f"bad coordinate {name}") from err


def _ref(el: Any, name: str) -> str:
    child = el.find(f"{{{MODEL}}}{name}")
    return (child.text or "").strip() if child is not None else ""


def _edge_ends(el: Any, kind: str) -> tuple[str, str]:
    if kind == "dataInputAssociation":
        return _ref(el, "sourceRef"), el.getparent().get("id", "")
    if kind == "dataOutputAssociation":
        return el.getparent().get("id", ""), _ref(el, "targetRef")
    return el.get("sourceRef", ""), el.get("targetRef", "")


def _event_kind(el: Any) -> str | None:
    for child in el:
        name = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if name.endswith("EventDefinition"):
            return name.removesuffix("EventDefinition")
    return None


def _parent(el: Any) -> str | None:
    for anc in el.iterancestors():
        if isinstance(anc.tag, str) and etree.QName(anc).localname in CONTAINERS | {"process"}:
            return str(anc.get("id", "")) or None
    return None


def parse_diagram(xml_text: str) -> Diagram:
    """Shapes (with DI bounds), edges (with waypoints) and lanes of one BPMN file."""
    raw = xml_text.encode("utf-8")
    if len(raw) > MAX_BYTES:
        raise DiagramError("the BPMN file is too big to draw")
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise DiagramError("a BPMN file must not have a DTD")
    try:
        root = etree.fromstring(raw, parser=_PARSER)
    except etree.XMLSyntaxError as err:
        raise DiagramError(f"cannot read the BPMN file: {err}") from err
    if root.getroottree().docinfo.internalDTD is not None:
        raise DiagramError("a BPMN file must not have a DTD")
    bounds: dict[str, Bounds] = {}
    points: dict[str, tuple[tuple[float, float], ...]] = {}
    for el in root.iter(f"{{{BPMNDI}}}BPMNShape"):
        box = el.find(f"{{{DC}}}Bounds")
        if box is not None:
            bounds.setdefault(el.get("bpmnElement", ""), Bounds(
                _float(box, "x"), _float(box, "y"), _float(box, "width"), _float(box, "height")))
    for el in root.iter(f"{{{BPMNDI}}}BPMNEdge"):
        points.setdefault(el.get("bpmnElement", ""), tuple(
            (_float(p, "x"), _float(p, "y")) for p in el.iter(f"{{{DI}}}waypoint")))
    shapes, edges, missing = [], [], []
    for el in root.iter(f"{{{MODEL}}}*"):
        kind, ident = etree.QName(el).localname, el.get("id", "")
        if kind in SHAPE_KINDS and ident:
            shapes.append(Shape(
                ident, kind, " ".join((el.get("name") or "").split()), bounds.get(ident),
                _parent(el), el.get("attachedToRef"), _event_kind(el),
                el.get("cancelActivity", "true") != "false" and el.get("isInterrupting",
                                                                       "true") != "false",
                kind in CONTAINERS, el.get("triggeredByEvent") == "true"))
            if ident not in bounds:
                missing.append(ident)
        elif kind in EDGE_KINDS and ident:
            source, target = _edge_ends(el, kind)
            edges.append(Edge(ident, kind, source, target, " ".join((el.get("name") or "").split()),
                              points.get(ident, ())))
            if len(points.get(ident, ())) < 2:
                missing.append(ident)
    return Diagram(tuple(shapes), tuple(edges), tuple(missing))


# ------------------------------------------------------------------------- the path


@dataclass
class _Fold:
    """What the events say up to a sequence number."""

    sources: list[tuple[int, str | None]] = field(default_factory=list)  # None: the start
    opened: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    reached: set[str] = field(default_factory=set)  # tasks ever opened, timers fired
    open_tasks: dict[str, str] = field(default_factory=dict)  # uuid -> element id


def _fold(events: Iterable[EventLike], upto: int) -> _Fold:
    out = _Fold()
    task_ids: dict[str, str] = {}
    job_ids: dict[str, str] = {}
    for ev in sorted(events, key=lambda e: e.seq):
        if ev.seq > upto:
            break
        if ev.type == STARTED:
            out.sources.append((ev.seq, None))
        diff = ev.diff or {}
        for uuid, change in sorted((diff.get("tasks") or {}).items()):
            task_id = _new(change, "task_id") or task_ids.get(uuid)
            if not task_id:
                continue
            task_ids[uuid] = task_id
            state = _new(change, "state")
            if state == "open":
                out.opened[task_id].append(ev.seq)
                out.reached.add(task_id)
                out.open_tasks[uuid] = task_id
            elif state is not None:
                out.open_tasks.pop(uuid, None)
                if state == "completed":
                    out.sources.append((ev.seq, task_id))
        for key, change in sorted((diff.get("jobs") or {}).items()):
            job_id = _new(change, "task_id") or job_ids.get(key)
            if not job_id:
                continue
            job_ids[key] = job_id
            state = _new(change, "state")
            if state == "pending" and "task_id" in change:
                out.opened[job_id].append(ev.seq)
            elif state == "done":
                out.sources.append((ev.seq, job_id))
                out.reached.add(job_id)
    return out


def _new(change: Mapping[str, Any], name: str) -> str | None:
    pair = change.get(name)
    if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str):
        return pair[1]
    return None


class _Walk:
    """Chains of flows from one source moved at event `seq` (see the module docstring)."""

    def __init__(self, diagram: Diagram, fold: _Fold, seq: int, upto: int,
                 finished: frozenset[str] | None) -> None:
        self.d, self.fold, self.seq, self.upto, self.finished = diagram, fold, seq, upto, finished
        self.taken: set[str] = set()
        self.visited: set[str] = set()
        self.memo: dict[tuple[str, bool], bool] = {}

    def from_(self, node: str, diverged: bool = False) -> bool:
        key = (node, diverged)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = False  # a cycle of non-waiting elements leads nowhere
        shape = self.d.by_id.get(node)
        splits = shape is not None and shape.kind in DIVERGING
        nexts = self.d.successors.get(node, [])
        diverged = diverged or (splits and len(nexts) > 1)
        hit = False
        for flow_id, target in nexts:
            if self._reaches(target, diverged):
                hit = True
                if flow_id is not None:
                    self.taken.add(flow_id)
        self.memo[key] = hit
        return hit

    def _reaches(self, node: str, diverged: bool) -> bool:
        shape = self.d.by_id.get(node)
        if shape is None:
            return False
        if shape.kind in WAITING:
            return any(self.seq <= j <= self.upto for j in self.fold.opened.get(node, ()))
        if shape.kind == "boundaryEvent" and shape.event == "timer":
            return False  # reached when it fires, which is its own event
        if self.finished is not None and node not in self.finished \
                and shape.kind not in CONTAINERS:
            return False
        # Without `finished`, the first diverging gateway is reached for sure, and so is an
        # end event with no diverging gateway before it; past that, nothing is guessed.
        sure = self.finished is None and not diverged
        ends = shape.kind == "endEvent" and (self.finished is not None or sure)
        hit = self.from_(node, diverged) or ends or (sure and shape.kind in DIVERGING)
        if hit:
            self.visited.add(node)
        return hit


def start_events(diagram: Diagram) -> list[str]:
    """The start events of the processes themselves (not of subprocesses)."""
    return [s.id for s in diagram.shapes if s.kind == "startEvent"
            and (diagram.by_id.get(s.parent or "") is None)]


def progress_at(diagram: Diagram, events: Iterable[EventLike], upto_seq: int, *,
                finished: Iterable[str] | None = None) -> Progress:
    """The path as of event number `upto_seq` (see the module docstring)."""
    fold = _fold(events, upto_seq)
    done = frozenset(finished) if finished is not None else None
    visited, taken = set(fold.reached), set()
    for seq, source in fold.sources:
        starts = start_events(diagram) if source is None else [source]
        for node in starts:
            if source is None and done is not None and node not in done:
                continue
            visited.add(node)
            walk = _Walk(diagram, fold, seq, upto_seq, done)
            walk.from_(node)
            visited |= walk.visited
            taken |= walk.taken
    return Progress(frozenset(visited), frozenset(fold.open_tasks.values()),
                    frozenset(taken), upto_seq)


def path_of(diagram: Diagram, events: Iterable[EventLike], *,
            finished: Iterable[str] | None = None) -> Progress:
    """The path as of the case's last event."""
    evs = list(events)
    upto = max((e.seq for e in evs), default=0)
    return progress_at(diagram, evs, upto, finished=finished)
