"""What administration plugs into the kernel: the administration record's start form (the
record is started only by `workflows.admin.record`, never by a clerk)."""

from __future__ import annotations

from marshmallow import fields, validate

from workflows.admin import record
from workflows.kernel import forms


class RecordStartSchema(forms.StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))


def register() -> None:
    forms.register_process(record.PROCESS, start=RecordStartSchema, public=True)
