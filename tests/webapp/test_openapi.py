"""The OpenAPI document of /api/v1, and schemathesis against it (reliability.md T4.5).

The schemathesis run is the CLI's engine in process (every phase: examples, coverage,
fuzzing, and stateful along the document's links; every default check), against the app
served by werkzeug on a free local port: schemathesis 4.32's WSGI transport cannot send the
probes of its own `ignored_auth` check (TypeError on `max_redirects`).

`JIANFU_SCHEMATHESIS_EXAMPLES` sets the examples per operation (default 200, as on CI;
2000 nightly). `make test` uses a fixed seed so that CI is repeatable;
`JIANFU_SCHEMATHESIS_SEED=random` draws a new one (nightly, or by hand to find new cases); a
failure names its seed and `JIANFU_SCHEMATHESIS_SEED=<seed>` replays it.
"""

from __future__ import annotations

import io
import os
import random
import re
import threading
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pikepdf
import pytest
import schemathesis
from argon2 import PasswordHasher
from flask import Flask
from hypothesis import strategies as st
from PIL import Image
from schemathesis.engine import events
from schemathesis.specs.openapi.definitions import OPENAPI_30
from werkzeug.serving import WSGIRequestHandler, make_server

from webapp.cases import api_schemas
from workflows.demo.loader import DEMO_PASSWORD
from workflows.kernel import accounts

EXAMPLES = int(os.environ.get("JIANFU_SCHEMATHESIS_EXAMPLES", "200"))
DOCUMENT = "/api/v1/openapi.json"
# Flask's <int(...):case_id> / <task_uuid> -> OpenAPI's {case_id} / {task_uuid}.
RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# A 422 for a schema-valid body answers what the document cannot express: the form of this
# particular task, a rule across fields, a colleague who does not exist or lacks the role,
# an Idempotency-Key already used for another request. Writes with a key may answer it;
# so may an attachment whose bytes are no real JPEG, PNG or PDF.
MAY_REFUSE_VALID = ("start_case", "complete", "claim", "release", "reassign", "comment",
                    "attach", "delegate")


def test_document_is_valid_openapi_3(client: Any) -> None:
    response = client.get(DOCUMENT)
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    errors = [str(e) for e in jsonschema_rs.Draft4Validator(OPENAPI_30).iter_errors(document)]
    assert errors == []
    assert document["openapi"].startswith("3.0")
    schema = schemathesis.openapi.from_dict(document)  # schemathesis reads it as well
    assert len(list(schema.get_all_operations())) == len(_documented(document))


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    base = document["servers"][0]["url"]
    return {(method.upper(), base + path) for path, item in document["paths"].items()
            for method in item}


def test_every_api_route_is_documented(app: Flask, client: Any) -> None:
    routes = {(method, RULE_PARAMETER.sub(r"{\1}", rule.rule))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}
    documented = _documented(client.get(DOCUMENT).get_json())
    assert routes - documented == set()  # no undocumented route
    assert documented - routes == set()  # and no operation that does not exist


def test_every_operation_documents_its_errors(client: Any) -> None:
    document = client.get(DOCUMENT).get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            public = operation.get("security") == []
            assert public or "401" in statuses, (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= statuses, (method, path)
            if "{case_id}" in path:
                assert "404" in statuses, (method, path)


# ---------------------------------------------------------------- schemathesis


@pytest.fixture
def cheap_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logins with unknown names verify a dummy Argon2 hash (64 MiB, ~0.1 s each): a cheap
    one keeps thousands of generated logins fast. Real users keep their real hashes."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", cheap.hash("not-a-real-password-0"))


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The app on a free local port, one request at a time: its base URL."""
    server = make_server("127.0.0.1", 0, app, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


def _file(kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "pdf":
        pdf = pikepdf.new()
        pdf.add_blank_page()
        pdf.save(out)
    else:
        Image.new("RGB", (32, 24), "#3a7").save(out, kind.upper())
    return out.getvalue()


def _register_files() -> None:
    """Attachment bodies: a real file of the type half the time, random bytes otherwise."""
    files = {"image/jpeg": [_file("jpeg")], "image/png": [_file("png")],
             "application/pdf": [_file("pdf")]}
    files["application/octet-stream"] = [f for fs in files.values() for f in fs]
    for media, real in files.items():
        schemathesis.openapi.media_type(
            media, st.one_of(st.sampled_from(real), st.binary(max_size=512)))


def _session_cookie(app: Flask, username: str) -> str:
    client = app.test_client()
    response = client.post("/api/v1/login",
                           json={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.get_json()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def _config(seed: int, cookie: str | None) -> Any:
    data: dict[str, Any] = {
        "seed": seed,
        "workers": 1,
        "cache": {"enabled": False},
        "generation": {"max-examples": EXAMPLES, "database": "none"},
        "operations": [{
            "include-operation-id": list(MAY_REFUSE_VALID),
            "checks": {"positive_data_acceptance": {"expected-statuses": [
                "2xx", "401", "403", "404", "409", "422"]}},
        }],
    }
    if cookie is not None:
        data["auth"] = {"openapi": {"session": {"api_key": cookie}}}
    return schemathesis.Config.from_dict(data)


def _failures(stream: Any) -> tuple[list[str], set[str]]:
    """Every failed check and engine error of a run, and the phases that ran."""
    found: list[str] = []
    phases: set[str] = set()
    for event in stream:
        if isinstance(event, events.PhaseFinished) and event.status != "skip":
            phases.add(str(event.phase.name.value))
        elif isinstance(event, events.ScenarioFinished):
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        info = check.failure_info
                        found.append(f"{event.recorder.label} [{event.phase.value}] "
                                     f"{check.name}: {info.failure.title}\n"
                                     f"{info.failure.message}\n{info.code_sample}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.append(f"error: {event!r}")
    return found, phases


CI_SEED = 20261129


# The roles schemathesis logs in as: a clerk and nobody in `make test` (each pass of CI
# stays under 8 minutes); the unit head too with JIANFU_SCHEMATHESIS_ROLES=all (README).
ROLES = (["mz_clerk", "mz_head", None] if os.environ.get("JIANFU_SCHEMATHESIS_ROLES") == "all"
         else ["mz_clerk", None])


@pytest.mark.parametrize("username", ROLES, ids=lambda u: u or "anonymous")
def test_schemathesis(app: Flask, served: str, cheap_dummy_hash: None,
                      username: str | None) -> None:
    raw = os.environ.get("JIANFU_SCHEMATHESIS_SEED", str(CI_SEED))
    seed = random.getrandbits(32) if raw == "random" else int(raw)
    cookie = _session_cookie(app, username) if username else None
    _register_files()
    schema = schemathesis.openapi.from_url(served + DOCUMENT, config=_config(seed, cookie))
    found, phases = _failures(schemathesis.engine.from_schema(schema).execute())
    unique = list(dict.fromkeys(found))
    assert unique == [], (f"JIANFU_SCHEMATHESIS_SEED={seed}: {len(unique)} failures\n\n"
                          + "\n\n".join(unique[:20]))
    assert {"examples", "coverage", "fuzzing"} <= phases
    if username:
        assert "stateful" in phases


def test_the_schemas_module_is_the_source(client: Any) -> None:
    """The document's bodies come from webapp.cases.api_schemas (no hand copy to drift)."""
    components = client.get(DOCUMENT).get_json()["components"]["schemas"]
    assert components["ReassignBody"]["properties"]["to_user_id"]["maximum"] == (
        api_schemas.MAX_ID)
    assert components["CommentBody"]["properties"]["public"] == {
        "type": "boolean", "default": False}
