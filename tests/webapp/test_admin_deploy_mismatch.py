"""A model whose process id differs from its file name, or with no process at all, is refused
by its field at deploy (was a 500: SpiffWorkflow's ValidationException escaped the parser;
found by the fuzzer's seed corpus, tests/unit/test_fuzzing.py)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.webapp.test_admin_pages import logged_in, upload

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def test_a_model_without_its_named_process_is_refused_not_a_500(app: Flask) -> None:
    client = logged_in(app, "admin")
    model = (BPMN_DIR / "report_form_approval.bpmn").read_bytes().replace(
        b'id="report_form_approval"', b'id="some_other_process"')
    answer = upload(client, "report_form_approval.bpmn", model)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert "的模型无法解析" in answer.get_data(as_text=True)  # type: ignore[attr-defined]
    dmn = next(BPMN_DIR.glob("*.dmn")).read_bytes()
    answer = upload(client, "report_form_approval.bpmn", dmn)
    assert answer.status_code == 422  # type: ignore[attr-defined]
