"""bpmn/service_purchase.dmn on its own: every row, every combination of facts, run by the
engine (a one-task wrapper process calling the decision) and by the evaluator the commands use
outside the engine (`workflows.lists.purchase_rule.decide`); both must agree."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from tests.bpmn.conftest import BPMN_DIR
from workflows.kernel import engine
from workflows.kernel.calendar import WorkCalendar
from workflows.kernel.processes import content_hash
from workflows.lists import purchase_rule

TABLE = (BPMN_DIR / "service_purchase.dmn").read_text(encoding="utf-8")
WRAPPER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="table_only_definitions" targetNamespace="https://jianfu.example/bpmn">
  <bpmn:process id="table_only" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="decide">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>service_purchase_rule</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide"/>
    <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
# (on a list, purchase recorded) -> (result, the row that decides)
EXPECTED = {
    (True, False): ("on_list", "purchase_on_list_rule"),
    (True, True): ("on_list", "purchase_on_list_rule"),
    (False, True): ("purchased", "purchase_bought_rule"),
    (False, False): ("refused", "purchase_missing_rule"),
}


def run_engine(on_list: bool, recorded: bool) -> tuple[str, str]:
    sources = {"table_only.bpmn": WRAPPER, "service_purchase.dmn": TABLE}
    defn = engine.ProcessDefinition("table_only", content_hash(sources), sources)
    result = engine.start(defn, {"purchase_facts": {"on_list": on_list, "recorded": recorded}},
                          seed="t", now=datetime(2026, 3, 2, 10, tzinfo=timezone(
                              timedelta(hours=8))), calendar=WorkCalendar())
    return result.data["purchase_result"], result.data["purchase_reason"]


@pytest.mark.parametrize("facts", sorted(EXPECTED))
def test_the_engine_and_the_evaluator_decide_alike(facts: tuple[bool, bool]) -> None:
    in_engine = run_engine(*facts)
    outside = purchase_rule.decide(TABLE, *facts)
    assert in_engine == outside
    assert in_engine[0] == EXPECTED[facts][0]
    if in_engine[0] == "refused":
        assert "购买服务" in in_engine[1] and "协议编号" in in_engine[1]


def test_every_row_of_the_table_is_one_tested_here() -> None:
    ns = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"
    root = etree.fromstring(TABLE.encode(), etree.XMLParser(resolve_entities=False))
    rows = {r.get("id") for r in root.iter(f"{ns}rule")}
    assert rows == {row for _, row in EXPECTED.values()}


def test_a_table_the_evaluator_cannot_read_is_refused_not_guessed() -> None:
    changed = TABLE.replace("<text>True</text>", "<text>purchase_facts[\"x\"]</text>", 1)
    with pytest.raises(purchase_rule.TableError):
        purchase_rule.decide(changed, True, False)
    overlapping = TABLE.replace(
        '<inputEntry id="purchase_bought_rule_on_list"><text>False</text>',
        '<inputEntry id="purchase_bought_rule_on_list"><text>-</text>')
    with pytest.raises(purchase_rule.TableError, match="UNIQUE"):
        purchase_rule.decide(overlapping, True, True)
