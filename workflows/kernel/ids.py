"""BPMN ids used by code, mirrored from bpmn/ (tests/bpmn/test_ids.py checks both ways)."""

from __future__ import annotations

from enum import StrEnum


class ProcessId(StrEnum):
    REPORT_FORM_APPROVAL = "report_form_approval"
    BURDEN_COMPLAINT = "burden_complaint"
    ASSESSMENT_ITEM_APPROVAL = "assessment_item_approval"
    SUPERVISION_REVIEW = "supervision_review"
    INSPECTION_REQUEST = "inspection_request"
    MEETING_REQUEST = "meeting_request"
    ADMINISTRATION = "administration"
    LIST_CHANGE = "list_change"
    PLAQUE_CHANGE = "plaque_change"
    WORK_ASSIGNMENT = "work_assignment"
    VILLAGE_DATA = "village_data"
    APP_REQUEST = "app_request"
    FIVE_YEAR_PLAN_CHECK = "five_year_plan_check"
    PILOT_VARIANT_APPROVAL = "pilot_variant_approval"
    INNOVATION_PRACTICE = "innovation_practice"


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
    # Every field is already held in the "one form": no new collection (issue 13).
    HELD_GATEWAY = "held_gateway"
    RECORD_ALL_HELD = "record_all_held"


class ComplaintTask(StrEnum):
    """User tasks of bpmn/burden_complaint.bpmn (docs/complaints.md)."""

    INTAKE = "intake"
    CORRECTION = "correction"
    REVIEW_EXTENSION = "review_extension"
    VERIFICATION = "verification"
    RETURN_VISIT = "return_visit"
    APPEAL_WINDOW = "appeal_window"


class ComplaintElement(StrEnum):
    """Timers and scripts of bpmn/burden_complaint.bpmn that code or tests refer to."""

    # Non-interrupting deadline timers: warning at 80 % of the window, breach at its end.
    INTAKE_WARNING = "intake_warning"
    INTAKE_BREACH = "intake_breach"
    CORRECTION_WARNING = "correction_warning"
    CORRECTION_BREACH = "correction_breach"
    VERIFICATION_WARNING = "verification_warning"
    VERIFICATION_BREACH = "verification_breach"
    RETURN_VISIT_WARNING = "return_visit_warning"
    RETURN_VISIT_BREACH = "return_visit_breach"
    # Interrupting: 15 working days after closure the appeal window ends the process.
    APPEAL_EXPIRED = "appeal_expired"
    # Scripts that set a stage's deadline (and case_status) before its task.
    START_INTAKE = "start_intake"
    START_CORRECTION = "start_correction"
    START_VERIFICATION = "start_verification"
    START_RETURN_VISIT = "start_return_visit"
    # Scripts that record what happened.
    ACCEPT_CASE = "accept_case"
    RECORD_REJECTION = "record_rejection"
    RECORD_MERGE = "record_merge"
    RECORD_EXTENSION_REQUEST = "record_extension_request"
    EXTEND_CORRECTION = "extend_correction"
    RESUME_CORRECTION = "resume_correction"
    CLOSE_CASE = "close_case"
    CLOSE_APPEAL_WINDOW = "close_appeal_window"
    REOPEN_CASE = "reopen_case"


# The deadline timers of each stage task: (warning, breach).
COMPLAINT_DEADLINE_TIMERS: dict[ComplaintTask, tuple[ComplaintElement, ComplaintElement]] = {
    ComplaintTask.INTAKE: (ComplaintElement.INTAKE_WARNING, ComplaintElement.INTAKE_BREACH),
    ComplaintTask.CORRECTION: (
        ComplaintElement.CORRECTION_WARNING,
        ComplaintElement.CORRECTION_BREACH,
    ),
    ComplaintTask.VERIFICATION: (
        ComplaintElement.VERIFICATION_WARNING,
        ComplaintElement.VERIFICATION_BREACH,
    ),
    ComplaintTask.RETURN_VISIT: (
        ComplaintElement.RETURN_VISIT_WARNING,
        ComplaintElement.RETURN_VISIT_BREACH,
    ),
}


class ItemTask(StrEnum):
    """User tasks of bpmn/assessment_item_approval.bpmn (docs/assessment_items.md)."""

    DRAFT_ITEM = "draft_item"
    SIGN_OFF = "sign_off"
    REVIEW_ITEM = "review_item"
    PARTY_OFFICE_SIGN_OFF = "party_office_sign_off"
    GOVERNMENT_OFFICE_SIGN_OFF = "government_office_sign_off"


class ItemElement(StrEnum):
    """Other elements of bpmn/assessment_item_approval.bpmn that code or tests refer to."""

    START_PROPOSAL = "start_proposal"
    CHECK_DUPLICATES = "check_duplicates"
    # Non-interrupting: the review has waited review_reminder_days working days.
    REVIEW_REMINDER = "review_reminder"
    RECORD_REVIEW_REMINDER = "record_review_reminder"
    RECORD_HEAD_RETURN = "record_head_return"
    RECORD_REVIEW_RETURN = "record_review_return"
    RECORD_REJECTION = "record_rejection"
    # The joint sign-off: a subprocess with one task per office; either office's return
    # ends it through an error event caught on its boundary (the other task is cancelled).
    JOINT_SIGN_OFF = "joint_sign_off"
    JOINT_RETURNED = "joint_returned"
    RECORD_PARTY_OFFICE_RETURN = "record_party_office_return"
    RECORD_GOVERNMENT_OFFICE_RETURN = "record_government_office_return"
    RECORD_JOINT_RETURN = "record_joint_return"
    PUBLISH_ITEM = "publish_item"


USER_TASKS: dict[ProcessId, type[StrEnum]] = {
    ProcessId.REPORT_FORM_APPROVAL: ReportFormTask,
    ProcessId.BURDEN_COMPLAINT: ComplaintTask,
    ProcessId.ASSESSMENT_ITEM_APPROVAL: ItemTask,
}


# ---------------------------------------------------------------- supervision review (issue 7)


class SupervisionTask(StrEnum):
    """User tasks of bpmn/supervision_review.bpmn (docs/supervision.md)."""

    REVIEW_CASE = "review_case"
    CORRECT_VIOLATION = "correct_violation"
    CHECK_CORRECTION = "check_correction"


class SupervisionElement(StrEnum):
    """Other elements of bpmn/supervision_review.bpmn that code or tests refer to."""

    START_REVIEW = "start_review"
    REVIEW_GATEWAY = "review_gateway"
    RECORD_NO_VIOLATION = "record_no_violation"
    ORDER_CORRECTION = "order_correction"
    CHECK_GATEWAY = "check_gateway"
    RECORD_CORRECTED = "record_corrected"


USER_TASKS[ProcessId.SUPERVISION_REVIEW] = SupervisionTask


# ---------------------------------------------------------------- inspection requests (issue 6)


class InspectionTask(StrEnum):
    """User tasks of bpmn/inspection_request.bpmn (docs/inspections.md)."""

    DRAFT_REQUEST = "draft_request"
    HEAD_REVIEW = "head_review"
    RESOLVE_OVERLAP = "resolve_overlap"
    TOWN_REVIEW = "town_review"
    APPROVE_REQUEST = "approve_request"
    APPROVE_SUPERVISION = "approve_supervision"
    RECORD_OUTCOME = "record_outcome"
    RATE_BURDEN = "rate_burden"


class InspectionElement(StrEnum):
    """Other elements of bpmn/inspection_request.bpmn that code or tests refer to."""

    START_REQUEST = "start_request"
    RECORD_HEAD_RETURN = "record_head_return"
    # Business rule tasks: inspection_quota.dmn (limits per type), inspection_check.dmn.
    LOOK_UP_LIMITS = "look_up_limits"
    CHECK_REQUEST = "check_request"
    CHECK_GATEWAY = "check_gateway"
    RECORD_CHECK_FAILURE = "record_check_failure"
    RECORD_MERGE = "record_merge"
    RECORD_RESCHEDULE = "record_reschedule"
    OPEN_TOWN_REVIEW = "open_town_review"
    # Parallel multi-instance subprocess, one instance per town touched.
    TOWN_REVIEW_ROUND = "town_review_round"
    SCOPE_TOWN_REVIEW = "scope_town_review"
    RECORD_TOWN_REVIEW = "record_town_review"
    TALLY_TOWN_REVIEWS = "tally_town_reviews"
    RECORD_TOWN_OBJECTION = "record_town_objection"
    RECORD_APPROVAL_RETURN = "record_approval_return"
    RECORD_REJECTION = "record_rejection"
    SCHEDULE_INSPECTION = "schedule_inspection"
    # Timer: the outcome is recorded once the visit has ended (visit_ends_at).
    WAIT_VISIT_END = "wait_visit_end"
    OPEN_RATINGS = "open_ratings"
    # Parallel multi-instance subprocess, one instance per village.
    RATING_ROUND = "rating_round"
    SCOPE_RATING = "scope_rating"
    RECORD_RATING = "record_rating"
    CLOSE_REQUEST = "close_request"


USER_TASKS[ProcessId.INSPECTION_REQUEST] = InspectionTask


class MeetingTask(StrEnum):
    """User tasks of bpmn/meeting_request.bpmn (docs/inspections.md, meetings)."""

    DRAFT_MEETING = "draft_meeting"
    APPROVE_URGENT = "approve_urgent"


class MeetingElement(StrEnum):
    """Other elements of bpmn/meeting_request.bpmn that code or tests refer to."""

    START_MEETING = "start_meeting"
    CHECK_LENGTH = "check_length"
    RECORD_LENGTH_RETURN = "record_length_return"
    QUEUE_FOR_BUNDLE = "queue_for_bundle"
    RECORD_URGENT_APPROVAL = "record_urgent_approval"
    RECORD_URGENT_REFUSAL = "record_urgent_refusal"


USER_TASKS[ProcessId.MEETING_REQUEST] = MeetingTask


# ---------------------------------------------------------------- administration (issue 20)


class AdministrationTask(StrEnum):
    """User tasks of bpmn/administration.bpmn: none (the record only collects events)."""


class AdministrationElement(StrEnum):
    """Elements of bpmn/administration.bpmn."""

    START = "start"
    RECORD_OPEN = "record_open"


USER_TASKS[ProcessId.ADMINISTRATION] = AdministrationTask


# ---------------------------------------------------------------- village data record (issue 13)


class VillageDataTask(StrEnum):
    """User tasks of bpmn/village_data.bpmn: none (the record only collects events)."""


class VillageDataElement(StrEnum):
    """Elements of bpmn/village_data.bpmn."""

    START = "start"
    RECORD_OPEN = "record_open"


USER_TASKS[ProcessId.VILLAGE_DATA] = VillageDataTask


# --------------------------------------- five-year plans and pilot towns (issue 14, measures 7-8)


class PlanCheckTask(StrEnum):
    """User tasks of bpmn/five_year_plan_check.bpmn (docs/pilots.md)."""

    CHECK_PLAN = "check_plan"
    REVISE_PLAN = "revise_plan"


class PlanCheckElement(StrEnum):
    """Other elements of bpmn/five_year_plan_check.bpmn that code or tests refer to."""

    RECORD_SUBMITTED = "record_submitted"
    RECORD_RETURNED = "record_returned"
    RECORD_CONFIRMED = "record_confirmed"


class VariantTask(StrEnum):
    """User tasks of bpmn/pilot_variant_approval.bpmn (docs/pilots.md)."""

    APPROVE_VARIANT = "approve_variant"


class VariantElement(StrEnum):
    """Other elements of bpmn/pilot_variant_approval.bpmn that code or tests refer to."""

    RECORD_PENDING = "record_pending"
    RECORD_APPROVED = "record_approved"
    RECORD_REJECTED = "record_rejected"


class PracticeTask(StrEnum):
    """User tasks of bpmn/innovation_practice.bpmn (docs/pilots.md)."""

    REVIEW_PRACTICE = "review_practice"


class PracticeElement(StrEnum):
    """Other elements of bpmn/innovation_practice.bpmn that code or tests refer to."""

    RECORD_REGISTERED = "record_registered"
    RECORD_ADOPTED = "record_adopted"
    RECORD_NOTED = "record_noted"


USER_TASKS[ProcessId.FIVE_YEAR_PLAN_CHECK] = PlanCheckTask
USER_TASKS[ProcessId.PILOT_VARIANT_APPROVAL] = VariantTask
USER_TASKS[ProcessId.INNOVATION_PRACTICE] = PracticeTask


# ---------------------------------------------------------------- government apps (issue 13)


class AppTask(StrEnum):
    """User tasks of bpmn/app_request.bpmn (docs/apps.md)."""

    DRAFT_APP = "draft_app"
    SIGN_OFF = "sign_off"
    BURDEN_REVIEW = "burden_review"
    CYBERSPACE_REVIEW = "cyberspace_review"


class AppElement(StrEnum):
    """Other elements of bpmn/app_request.bpmn that code or tests refer to."""

    START_APP_REQUEST = "start_app_request"
    CHECK_DUPLICATES = "check_duplicates"
    RECORD_HEAD_RETURN = "record_head_return"
    RECORD_REVIEW_RETURN = "record_review_return"
    RECORD_CYBERSPACE_RETURN = "record_cyberspace_return"
    RECORD_REJECTION = "record_rejection"
    PUBLISH_APP = "publish_app"


USER_TASKS[ProcessId.APP_REQUEST] = AppTask


# ---------------------------------------------------------------- village lists (issue 14)


class ListTask(StrEnum):
    """User tasks of bpmn/list_change.bpmn (docs/lists.md)."""

    DRAFT_ENTRY = "draft_entry"
    REVIEW_ENTRY = "review_entry"
    SIGN_OFF_ENTRY = "sign_off_entry"


class ListElement(StrEnum):
    """Other elements of bpmn/list_change.bpmn that code or tests refer to."""

    START_CHANGE = "start_change"
    CHECK_DUPLICATES = "check_duplicates"
    RECORD_REVIEW_RETURN = "record_review_return"
    RECORD_REJECTION = "record_rejection"
    OPEN_SIGN_OFF = "open_sign_off"
    RECORD_OFFICE_RETURN = "record_office_return"
    PUBLISH_ENTRY = "publish_entry"


USER_TASKS[ProcessId.LIST_CHANGE] = ListTask


class PlaqueTask(StrEnum):
    """User tasks of bpmn/plaque_change.bpmn (docs/lists.md, plaques)."""

    REVIEW_PLAQUE = "review_plaque"


class PlaqueElement(StrEnum):
    """Other elements of bpmn/plaque_change.bpmn that code or tests refer to."""

    CHANGE_GATEWAY = "change_gateway"
    RECORD_CHANGE = "record_change"
    OPEN_REVIEW = "open_review"
    HANG_PLAQUE = "hang_plaque"
    RECORD_REJECTION = "record_rejection"


USER_TASKS[ProcessId.PLAQUE_CHANGE] = PlaqueTask


class WorkTask(StrEnum):
    """User tasks of bpmn/work_assignment.bpmn (docs/lists.md, work assignments)."""

    DRAFT_ASSIGNMENT = "draft_assignment"
    REVIEW_ASSIGNMENT = "review_assignment"
    APPROVE_ASSIGNMENT = "approve_assignment"


class WorkElement(StrEnum):
    """Other elements of bpmn/work_assignment.bpmn that code or tests refer to."""

    START_ASSIGNMENT = "start_assignment"
    OPEN_REVIEW = "open_review"
    RECORD_REVIEW_RETURN = "record_review_return"
    RECORD_REJECTION = "record_rejection"
    # Business rule task: service_purchase.dmn (decision service_purchase_rule).
    CHECK_PURCHASE = "check_purchase"
    RECORD_PURCHASE_MISSING = "record_purchase_missing"
    RECORD_OFFICE_RETURN = "record_office_return"
    RECORD_APPROVAL = "record_approval"


USER_TASKS[ProcessId.WORK_ASSIGNMENT] = WorkTask
