"""Process versions parsed once (hardened XML) and a serializer that keeps the spec out of
the snapshot."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflows.kernel.engine.prune import FINISHED_ATTR, REV_ATTR, finished_ids, revision
from workflows.kernel.engine.types import ProcessDefinition, UserTaskSpec
from workflows.kernel.errors import ProcessError

_SPECS: dict[str, tuple[Any, dict[str, Any]]] = {}
_SPECS_LOCK = threading.Lock()
# Our own part of a snapshot: the engine revision and the steps pruned from the tree.
JIANFU_KEY = "jianfu"
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


class _SpecRef:
    def __init__(self, content_hash: str) -> None:
        self.content_hash = content_hash


class _CachedSpecConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Keeps the process spec out of the snapshot; restores it from the version cache."""

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(workflow)
        dct["spec"] = self.registry.convert(_SpecRef(workflow.spec.jianfu_hash))
        dct["subprocess_specs"] = {}
        rev = revision(workflow)
        if rev:  # engine revision 0 (cases started before pruning) writes as it always did
            dct[JIANFU_KEY] = {"rev": rev, "finished": sorted(finished_ids(workflow))}
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        # As BpmnWorkflowConverter.from_dict, but the subprocess specs come from the cache
        # before the subprocesses are restored (embedded subprocesses need their spec).
        spec, subprocess_specs = _SPECS[dct.pop("spec")["content_hash"]]
        dct.pop("subprocess_specs", None)
        ours = dct.pop(JIANFU_KEY, None) or {}
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        setattr(workflow, REV_ATTR, int(ours.get("rev", 0)))
        setattr(workflow, FINISHED_ATTR, set(ours.get("finished", ())))
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> Any:
    cfg = dict(SPIFF_CONFIG)
    cfg[BpmnWorkflow] = _CachedSpecConverter
    registry = BpmnWorkflowSerializer.configure(cfg)
    registry.register(
        _SpecRef,
        lambda ref: {"content_hash": ref.content_hash},
        lambda d: _SPECS[d["content_hash"]][0],
    )
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _make_serializer()


def _spec_key(defn: ProcessDefinition) -> str:
    return f"{defn.process_id}@{defn.content_hash}"


def parse(defn: ProcessDefinition) -> tuple[Any, dict[str, Any]]:
    """Parse a process version (hardened XML, no entities, no network) once, then cache it."""
    key = _spec_key(defn)
    cached = _SPECS.get(key)
    if cached is not None:
        return cached
    with _SPECS_LOCK:
        if key in _SPECS:
            return _SPECS[key]
        parser = SpiffBpmnParser()
        try:
            for name, text in sorted(defn.sources.items()):
                xml = etree.fromstring(text.encode("utf-8"), parser=_XML_PARSER)
                if name.endswith(".dmn"):
                    parser.add_dmn_xml(xml, filename=name)
                else:
                    parser.add_bpmn_xml(xml, filename=name)
            spec = parser.get_spec(defn.process_id)
            subs = parser.get_subprocess_specs(defn.process_id)
        except (etree.LxmlError, SpiffWorkflowException, ValueError, KeyError, IndexError,
                TypeError, AttributeError) as err:  # a hostile model: never a 500
            raise ProcessError(f"cannot parse process {defn.process_id}: {err}") from err
        spec.jianfu_hash = key
        _SPECS[key] = (spec, subs)
        return spec, subs


def user_tasks(defn: ProcessDefinition) -> list[UserTaskSpec]:
    """Every user task of the process (for contract tests and form registries)."""
    spec, subs = parse(defn)
    out = []
    for s in [spec, *subs.values()]:
        for ts in s.task_specs.values():
            if getattr(ts, "manual", False) and ts.__class__.__name__ == "UserTask":
                out.append(
                    UserTaskSpec(ts.bpmn_id, ts.bpmn_name or ts.bpmn_id, ts.lane, _properties(ts))
                )
    return sorted(out, key=lambda t: t.task_id)


def element_ids(defn: ProcessDefinition) -> set[str]:
    spec, subs = parse(defn)
    ids: set[str] = set()
    for s in [spec, *subs.values()]:
        ids.update(ts.bpmn_id for ts in s.task_specs.values() if ts.bpmn_id)
    return ids


def _properties(task_spec: Any) -> dict[str, str]:
    ext = getattr(task_spec, "extensions", {}) or {}
    props = ext.get("properties", {}) or {}
    return {str(k): str(v) for k, v in props.items()}
