"""The features of Jianfu, plugged into the kernel (docs/architecture.md).

`install` fills the kernel's registry (`workflows.kernel.registry`, `workflows.kernel.forms`)
with what each feature's `hooks.register` adds: forms, start and task-input hooks,
projections and the worker's batch jobs. The web app, the CLI, the tests and the benchmarks
call it once at start; calling it again changes nothing.
"""

from __future__ import annotations

from workflows.admin import hooks as admin
from workflows.apps import hooks as apps
from workflows.burden import hooks as burden
from workflows.catalog import hooks as catalog
from workflows.complaints import hooks as complaints
from workflows.inspections import hooks as inspections
from workflows.lists import hooks as lists
from workflows.notifications import hooks as notifications
from workflows.pilots import hooks as pilots
from workflows.report_forms import hooks as report_forms
from workflows.supervision import hooks as supervision

FEATURES = (report_forms, complaints, catalog, inspections, supervision, notifications, admin,
            pilots,
            lists, apps,
            # burden wraps the draft hooks of the gated requests: it stays last.
            burden)
_installed = False


def install() -> None:
    """Register every feature with the kernel (idempotent)."""
    global _installed
    if _installed:
        return
    for feature in FEATURES:
        feature.register()
    _installed = True
