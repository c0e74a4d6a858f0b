"""The form hash recorded with each completion changes with what the form accepts, and only
with that: not with labels, widgets, comments or the order fields are written in."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate, validates_schema

from workflows.kernel import forms
from workflows.kernel.form_hash import form_hash
from workflows.kernel.ids import InspectionTask, ProcessId


class Base(Schema):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    villages = fields.List(fields.Integer(), load_default=list)


class Relabelled(Schema):
    # the same fields, written the other way round, with presentation metadata
    villages = fields.List(fields.Integer(), load_default=list,
                           metadata={"widget": "villages", "label": "村"})
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=5),
                          metadata={"description": "在村天数"})


class WiderRange(Schema):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=6))
    villages = fields.List(fields.Integer(), load_default=list)


class Optional(Schema):
    days = fields.Integer(validate=validate.Range(min=1, max=5))
    villages = fields.List(fields.Integer(), load_default=list)


class OtherInner(Schema):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    villages = fields.List(fields.String(), load_default=list)


class Extra(Base):
    note = fields.String()


class WithCheck(Base):
    @validates_schema
    def short(self, data: dict[str, Any], **_: Any) -> None:
        pass


def test_presentation_does_not_change_the_hash() -> None:
    assert form_hash(Base) == form_hash(Relabelled)


def test_what_the_form_accepts_changes_the_hash() -> None:
    hashes = {form_hash(s) for s in (Base, WiderRange, Optional, OtherInner, Extra, WithCheck)}
    assert len(hashes) == 6


def test_task_forms_have_stable_hashes() -> None:
    task = (str(ProcessId.INSPECTION_REQUEST), str(InspectionTask.DRAFT_REQUEST))
    first = forms.schema_hash(*task)
    assert first is not None and len(first) == 64
    assert forms.schema_hash(*task) == first
