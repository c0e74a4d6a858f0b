"""Keep the snapshot as large as the live part of a case, not as its whole past (issue 15).

SpiffWorkflow keeps every finished task in the tree, so a case that loops grows with each
loop, and so does every command's load, run and save. The past is in the history (events
are never pruned); the engine needs only the part of the tree that can still change.

`prune` cuts the finished *spine* below the root: starting at the root, while exactly one
child subtree still holds unfinished tasks (the others are wholly COMPLETED or CANCELLED)
and that child is COMPLETED, step down. Every spine task before the last one is dropped
with its finished side subtrees, and the last one (the parent of the live part: the task
a join or gateway below may look at) becomes the root's child. Nothing is dropped that the
engine still reads: the workflow's `last_task`, any unfinished task, any branch point with
two live branches (parallel paths, a join still waiting), and everything below them stay.
Subprocesses of dropped tasks are finished and go with them.

It is deterministic (a function of the tree), so replay, which runs the same reducer,
produces the same pruned snapshots byte for byte. The BPMN ids of the COMPLETED tasks it
drops are kept in the snapshot (`FINISHED_ATTR`), so a case's diagram still shows every
step it went through.

A case prunes from engine revision 1 on (`ENGINE_REV`, recorded in its start event), so
cases started before keep their snapshots exactly as they were written.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

# The engine revision new cases start with: 1 = completed branches pruned.
ENGINE_REV = 1
REV_ATTR = "jianfu_rev"
FINISHED_ATTR = "jianfu_finished"

_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


def revision(wf: Any) -> int:
    return int(getattr(wf, REV_ATTR, 0) or 0)


def finished_ids(wf: Any) -> set[str]:
    found: set[str] = getattr(wf, FINISHED_ATTR, None) or set()
    return found


def _live_map(root: Any, last_task: Any) -> dict[Any, bool]:
    """task id -> whether its subtree holds an unfinished task or the last task (one pass)."""
    order, stack = [], [root]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(task.children)
    live: dict[Any, bool] = {}
    for task in reversed(order):  # children before their parents
        live[task.id] = (
            not task.has_state(_FINISHED)
            or task is last_task
            or any(live[c] for c in task._children)
        )
    return live


def _subtree(task: Any) -> list[Any]:
    out, stack = [], [task]
    while stack:
        t = stack.pop()
        out.append(t)
        stack.extend(t.children)
    return out


def prune(wf: Any) -> int:
    """Drop the finished spine below the root (see the module docstring); returns how many
    tasks were dropped."""
    root = wf.task_tree
    last = wf.last_task
    live = _live_map(root, last)
    spine: list[Any] = []
    node = root
    while True:
        alive = [c for c in node.children if live[c.id]]
        if len(alive) != 1:
            break
        child = alive[0]
        if child.state != TaskState.COMPLETED or child is last:
            break
        spine.append(child)
        node = child
    if len(spine) < 2:
        return 0
    # Keep the last spine task; drop those before it with their finished side branches.
    keep = spine[-1]
    gone: list[Any] = []
    for task in spine[:-1]:
        gone.append(task)
        for side in task.children:
            if not live[side.id]:
                gone.extend(_subtree(side))
    first = spine[0]
    root._children = [keep.id if cid == first.id else cid for cid in root._children]
    keep._parent = root.id
    finished = set(finished_ids(wf))
    for task in gone:
        if task.state == TaskState.COMPLETED and task.task_spec.bpmn_id:
            finished.add(task.task_spec.bpmn_id)
        if task.id in wf.subprocesses:
            wf.delete_subprocess(task)
    for task in gone:
        wf.tasks.pop(task.id, None)
    setattr(wf, FINISHED_ATTR, finished)
    return len(gone)
