"""Typed SQLAlchemy tables. No Flask, no SpiffWorkflow, no marshmallow here."""

from models.api_channel import ApiChannel
from models.assessment_item import AssessmentItem, AssessmentItemVersion, ItemStatus
from models.attachment import Attachment
from models.audit_run import AuditRun
from models.base import Base, UTCDateTime, utcnow
from models.calendar_override import CalendarOverride
from models.case import Case
from models.case_event import CaseEvent, LogCheckpoint, LogHead
from models.case_follow import CaseFollow
from models.complaint import ComplaintIdentity, ComplaintReceipt
from models.due_job import DueJob, DueJobState
from models.gov_app import AppStatus, GovApp, GovAppVersion, GovAppVillage
from models.human_task import HumanTask, HumanTaskState
from models.idempotency_key import IdempotencyKey
from models.inspection_slot import InspectionSlot
from models.notification import Notification, OutboxMail, OutboxState
from models.org_unit import OrgKind, OrgUnit
from models.process_version import ProcessVersion
from models.report_form import FormStatus, IndicatorValue, ReportForm, ReportFormVersion
from models.saved_filter import SavedFilter
from models.substitute import Substitute
from models.user import RoleAssignment, User
from models.village_list import (
    EntryStatus,
    ListEntry,
    ListEntryVersion,
    ListKind,
    PlaqueStatus,
    ServicePurchase,
    VillagePlaque,
)

__all__ = [
    "ApiChannel",
    "AppStatus",
    "AssessmentItem",
    "AssessmentItemVersion",
    "Attachment",
    "AuditRun",
    "Base",
    "CalendarOverride",
    "Case",
    "CaseEvent",
    "CaseFollow",
    "ComplaintIdentity",
    "ComplaintReceipt",
    "DueJob",
    "DueJobState",
    # issue 14: the village lists
    "EntryStatus",
    "FormStatus",
    "GovApp",
    "GovAppVersion",
    "GovAppVillage",
    "HumanTask",
    "HumanTaskState",
    "IdempotencyKey",
    "IndicatorValue",
    "InspectionSlot",
    "ItemStatus",
    "ListEntry",
    "ListEntryVersion",
    "ListKind",
    "LogCheckpoint",
    "LogHead",
    "Notification",
    "OrgKind",
    "OrgUnit",
    "OutboxMail",
    "OutboxState",
    "PlaqueStatus",
    "ProcessVersion",
    "ReportForm",
    "ReportFormVersion",
    "RoleAssignment",
    "SavedFilter",
    "ServicePurchase",
    "Substitute",
    "UTCDateTime",
    "User",
    "VillagePlaque",
    "utcnow",
]
