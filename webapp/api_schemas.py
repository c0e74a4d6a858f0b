"""Request bodies of the JSON API (marshmallow at the HTTP edge). Unknown keys are refused.

The task and start `fields` are validated further down by the schemas of `workflows.forms`.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, validate
from marshmallow import fields as f

from workflows.errors import ValidationFailedError


class Body(Schema):
    class Meta:
        unknown = RAISE


class LoginBody(Body):
    username = f.String(required=True, validate=validate.Length(max=200))
    password = f.String(required=True, validate=validate.Length(max=1000))


class StartBody(Body):
    process_id = f.String(required=True, validate=validate.Length(min=1, max=80))
    form_fields = f.Dict(keys=f.String(), required=True, data_key="fields")
    org_unit_id = f.Integer(strict=True, load_default=None)


class CompleteBody(Body):
    form_fields = f.Dict(keys=f.String(), required=True, data_key="fields")


class EmptyBody(Body):
    pass


class ReassignBody(Body):
    to_user_id = f.Integer(strict=True, required=True)


class CommentBody(Body):
    text = f.String(required=True)
    public = f.Boolean(load_default=False)


def load(schema_cls: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    """Validate a request body; failures become a 422 naming each field."""
    try:
        loaded: dict[str, Any] = schema_cls().load(data)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_": err.messages}
        raise ValidationFailedError(
            {str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
             for k, v in messages.items()}) from err
    return loaded
