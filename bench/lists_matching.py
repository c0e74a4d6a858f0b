"""How the demo's requests match the village lists (issue 14, docs/lists.md): every inspection
and meeting purpose and every work assignment task of a fresh demo world, its best match on
the self-governance and assistance lists (score, likely at the catalog's threshold 0.2).

    .venv/bin/python bench/lists_matching.py
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

import models
from models import Case
from models.db import make_engine, make_sessionmaker
from workflows import features
from workflows.demo import loader as demo
from workflows.kernel.calendar import WorkCalendar
from workflows.lists import matching
from workflows.lists.forms import WORK_LISTS

BPMN = Path(__file__).resolve().parents[1] / "bpmn"


def main() -> None:
    features.install()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/demo.db")
        models.Base.metadata.create_all(engine)
        with make_sessionmaker(engine)() as s:
            t = time.perf_counter()
            demo.load(s, BPMN, items=True, inspections=True, lists=True)
            print(f"demo (items, inspections, lists) loaded in {time.perf_counter() - t:.1f} s")
            day = WorkCalendar.local_date(models.utcnow()) + timedelta(days=1)
            rows = []
            for case_type, raw in s.execute(select(Case.case_type, Case.data).where(
                    Case.case_type.in_(["inspection_request", "meeting_request",
                                        "work_assignment"]))):
                data = json.loads(raw or "{}")
                text = data.get("purpose") or data.get("task_title")
                if not text:
                    continue
                found = matching.match(s, {"name": text, "content": text}, WORK_LISTS, on=day)
                top = found["matches"][0] if found["matches"] else None
                rows.append((case_type, text, top["title"] if top else "-",
                             top["score"] if top else 0.0, bool(top and top["likely"])))
            for case_type, text, title, score, likely in sorted(rows):
                print(f"{case_type:18} {'on a list' if likely else 'OFF     '} {score:.3f} "
                      f"{text} -> {title}")
            print(f"{sum(r[4] for r in rows)} of {len(rows)} on a list")
        engine.dispose()


if __name__ == "__main__":
    main()
