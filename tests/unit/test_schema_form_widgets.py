"""The form widgets of webapp/core/schema_form.py without a database: which fields get which
widget, how their posts are parsed, and that the schemas take both lists and text."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from webapp.core.pickers import MaterialRow, chosen, material_rows
from webapp.core.schema_form import field_specs, parse
from workflows.inspections.forms import DraftMeetingSchema, DraftRequestSchema, RecordOutcomeSchema


def test_widgets_come_from_the_field_metadata() -> None:
    kinds = {s.name: (s.kind, s.companion) for s in field_specs(DraftRequestSchema)}
    assert kinds["village_ids"] == ("villages", "town_ids")
    assert kinds["town_ids"] == ("towns", "village_ids")
    assert kinds["item_ids"] == ("catalog_items", "")
    assert kinds["materials"] == ("materials", "")
    assert kinds["window_start"] == ("text", "")  # a date (length 10), not a textarea
    meeting = {s.name: s.kind for s in field_specs(DraftMeetingSchema)}
    assert meeting["village_ids"] == "villages" and "item_ids" not in meeting
    outcome = {s.name: (s.kind, s.max) for s in field_specs(RecordOutcomeSchema)}
    assert outcome["actual_materials"] == ("list", 50)  # no widget: one per line


def test_multi_values_and_rows_are_parsed_into_lists() -> None:
    specs = field_specs(DraftRequestSchema)
    form = MultiDict([("village_ids", "24"), ("village_ids", " 25 "), ("village_ids", ""),
                      ("town_ids", "19"), ("item_ids", "7"),
                      ("materials-10-name", "第十一行"), ("materials-0-name", "自评表"),
                      ("materials-0-held", "1"), ("materials-1-name", "  "),
                      ("materials-1-held", "1"), ("other-0-name", "x")])
    data = parse(specs, form)
    assert data["village_ids"] == ["24", "25"] and data["town_ids"] == ["19"]
    assert data["item_ids"] == ["7"]
    assert data["materials"] == [{"name": "自评表", "already_held": True},
                                 {"name": "第十一行", "already_held": False}]
    assert "village_ids" not in parse(specs, MultiDict([("village_ids", "")]))
    text = parse(specs, MultiDict([("materials", "低保名册\n*户籍底册")]))
    assert text["materials"] == "低保名册\n*户籍底册"  # the text form is still the schema's


def test_the_schema_takes_lists_text_and_both() -> None:
    base = {"inspection_type": "business", "purpose": "检查台账", "window_start": "2026-04-13",
            "window_end": "2026-04-13", "people": 2, "days": 1}
    as_posted = DraftRequestSchema().load({**base, "village_ids": ["24", "25，26"],
                                           "town_ids": "19", "materials": [
                                               {"name": "自评表", "already_held": True}]})
    assert as_posted["village_ids"] == [24, 25, 26] and as_posted["town_ids"] == [19]
    as_json = DraftRequestSchema().load({**base, "village_ids": [24], "item_ids": []})
    assert as_json["village_ids"] == [24] and as_json["materials"] == []
    as_text = DraftRequestSchema().load({**base, "village_ids": "24, 25",
                                         "materials": "低保名册\n*户籍底册"})
    assert as_text["materials"] == [{"name": "低保名册", "already_held": False},
                                    {"name": "户籍底册", "already_held": True}]


def test_pickers_read_every_shape_of_value() -> None:
    assert chosen([24, "25"]) == {"24", "25"} and chosen("24,25、26") == {"24", "25", "26"}
    assert chosen(None) == frozenset()
    rows = material_rows([{"name": "自评表", "already_held": True}], 50)
    assert rows[0] == MaterialRow("自评表", True) and len(rows) == 5
    assert material_rows("a\n*b", 50)[:2] == [MaterialRow("a", False), MaterialRow("b", True)]
    many = [{"name": str(i)} for i in range(9)]
    assert len(material_rows(many, 50)) == 12 and len(material_rows(many, 10)) == 10
