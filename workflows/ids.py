"""BPMN ids used by code, mirrored from bpmn/ (tests/bpmn/test_ids.py checks both ways)."""

from __future__ import annotations

from enum import StrEnum


class ProcessId(StrEnum):
    REPORT_FORM_APPROVAL = "report_form_approval"


class ReportFormTask(StrEnum):
    """User tasks of bpmn/report_form_approval.bpmn."""

    DRAFT_FORM = "draft_form"
    SIGN_OFF = "sign_off"
    REVIEW_FORM = "review_form"


class ReportFormElement(StrEnum):
    """Other elements of bpmn/report_form_approval.bpmn that code or tests refer to."""

    REVIEW_REMINDER = "review_reminder"
    PUBLISH_FORM = "publish_form"
    RECORD_REJECTION = "record_rejection"


USER_TASKS: dict[ProcessId, type[StrEnum]] = {ProcessId.REPORT_FORM_APPROVAL: ReportFormTask}
