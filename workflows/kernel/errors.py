"""Domain errors raised by the use cases; the web layer maps each to one HTTP status."""

from __future__ import annotations


class CaseError(Exception):
    """Base of every error a use case raises on purpose."""

    status = 400


class NotFoundError(CaseError):
    """No such object, or one outside the actor's scope (never confirm it exists)."""

    status = 404


class NotAllowedError(CaseError):
    """The actor is known and in scope but lacks the role for this action; `fields` names
    the input that asked for it, when one did (e.g. a comment's `public`)."""

    status = 403

    def __init__(self, message: str = "not allowed",
                 fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class ConflictError(CaseError):
    """Someone else got there first (stale version, unique violation, busy database)."""

    status = 409


class InvalidTransitionError(ConflictError):
    """The task is not READY any more, or the case is closed."""


class ValidationFailedError(CaseError):
    """Input failed validation; `fields` maps each field name to its messages."""

    status = 422

    def __init__(self, fields: dict[str, list[str]], message: str = "invalid input") -> None:
        super().__init__(message)
        self.fields = fields


class BusinessRuleError(ValidationFailedError):
    """A business rule refused the input; names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__({field: [message]}, message)
        self.field = field


class IdempotencyMismatchError(CaseError):
    """The idempotency key was used before with a different request body."""

    status = 422


class ProcessError(CaseError):
    """A script, condition or timer in the BPMN model failed; carries where."""

    status = 500

    def __init__(
        self,
        message: str,
        *,
        task_id: str | None = None,
        line_number: int | None = None,
        error_line: str | None = None,
    ) -> None:
        super().__init__(message)
        self.task_id = task_id
        self.line_number = line_number
        self.error_line = error_line


class ScriptSecurityError(ProcessError):
    """A BPMN script or expression tried something the sandbox forbids."""
