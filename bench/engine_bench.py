#!/usr/bin/env python3
"""Benchmark of the standard workload: start -> user task -> user task -> end.

Measures, on a fresh SQLite file, one client:
  (a) through the use-case layer (workflows.kernel.cases), the full command cycle per completion;
  (b) through the HTTP JSON API of a real server on 127.0.0.1 with a logged-in client;
  (L) the SpiffWorkflow library limit for the same process in the same run: in memory, and
      with a JSON save/load around each user task (the workload of shared/bench/spiff_limit.py);
and prints median ms per task completion, cases/s, and the ratios to the library limit.
`--loop N` also measures a case that loops N times through one task: time of completion N
divided by time of completion 1 (medians of the first and last tenth of the steps), in wall
and in CPU time. Each row prints the load average beside it: the machine may be shared.

Usage: python bench/engine_bench.py [--cases 200] [--loop 200] [--skip-http]
This is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from marshmallow import fields
from sqlalchemy.orm import Session, sessionmaker

import models
from models import OrgKind
from models.db import make_engine, make_sessionmaker
from workflows import features
from workflows.kernel import access, accounts, cases, forms, orgs, processes
from workflows.report_forms.forms import ReportFormStartSchema

HERE = Path(__file__).resolve().parent
PASSWORD = "bench-password-1"


class NoteSchema(forms.StrictSchema):
    note = fields.String(required=True)


class LoopSchema(forms.StrictSchema):
    again = fields.Boolean(required=True)


features.install()
forms.START_FORMS["bench_two_step"] = ReportFormStartSchema
forms.START_FORMS["bench_loop"] = ReportFormStartSchema
forms.TASK_FORMS[("bench_two_step", "first_step")] = NoteSchema
forms.TASK_FORMS[("bench_two_step", "second_step")] = NoteSchema
forms.TASK_FORMS[("bench_loop", "loop_step")] = LoopSchema


def setup(url: str) -> tuple[sessionmaker[Session], access.Actor]:
    engine = make_engine(url)
    models.Base.metadata.create_all(engine)
    make = make_sessionmaker(engine)
    with make() as s:
        district = orgs.add_unit(s, "nanchuan", "南川区", OrgKind.DISTRICT)
        orgs.add_unit(s, "qwnb", "区委农办", OrgKind.DEPARTMENT, district)
        dept = orgs.add_unit(s, "qbench", "基准测试部门", OrgKind.DEPARTMENT, district)
        user = accounts.create_user(s, "bench_clerk", "基准", PASSWORD)
        accounts.assign_role(s, user, access.CLERK, dept)
        s.commit()
        processes.deploy(s, HERE / "bpmn")
        actor = access.load_actor(s, user.id)
    return make, actor


def open_task(session: Session, actor: access.Actor, case_id: int) -> str:
    _, state = cases.get_case(session, actor, case_id)
    return next(t.task_uuid for t in state.tasks.values() if t.state == "open")


def bench_use_cases(make: sessionmaker[Session], actor: access.Actor, n: int) -> dict[str, float]:
    per_completion: list[float] = []
    cpu: list[float] = []
    t0 = time.perf_counter()
    with make() as s:
        for i in range(n):
            res = cases.start_case(s, actor, "bench_two_step", {"title": f"case {i}"})
            for _ in range(2):
                task = open_task(s, actor, res.case_id)
                c0, p0 = time.perf_counter(), time.process_time()
                cases.complete_task(s, actor, res.case_id, task, {"note": "同意"})
                per_completion.append(time.perf_counter() - c0)
                cpu.append(time.process_time() - p0)
    wall = time.perf_counter() - t0
    return {"median_ms": statistics.median(per_completion) * 1000, "cases_per_s": n / wall,
            "median_cpu_ms": statistics.median(cpu) * 1000}


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.cookie = ""

    def call(self, method: str, path: str, body: object | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, object]:
        hdrs = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.cookie:
            hdrs["Cookie"] = self.cookie
        hdrs.update(headers or {})
        self.conn.request(method, path, body=None if body is None else json.dumps(body),
                          headers=hdrs)
        resp = self.conn.getresponse()
        data = resp.read()
        cookie = resp.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return resp.status, json.loads(data) if data else None


def bench_http(url: str, n: int) -> dict[str, float]:
    from werkzeug.serving import make_server

    from webapp import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = Client(server.server_port)
    status, _ = client.call("POST", "/api/v1/login",
                            {"username": "bench_clerk", "password": PASSWORD})
    assert status == 200, status
    per_completion: list[float] = []
    t0 = time.perf_counter()
    for i in range(n):
        status, body = client.call("POST", "/api/v1/cases",
                                   {"process_id": "bench_two_step", "fields": {"title": f"h{i}"}},
                                   {"Idempotency-Key": uuid.uuid4().hex})
        assert status in (200, 201), (status, body)
        case_id = body["case_id"]  # type: ignore[index]
        for _ in range(2):
            status, case = client.call("GET", f"/api/v1/cases/{case_id}")
            task = next(t["task_uuid"] for t in case["tasks"] if t["state"] == "open")  # type: ignore[index]
            c0 = time.perf_counter()
            status, body = client.call("POST", f"/api/v1/cases/{case_id}/tasks/{task}/complete",
                                       {"fields": {"note": "同意"}})
            per_completion.append(time.perf_counter() - c0)
            assert status == 200, (status, body)
    wall = time.perf_counter() - t0
    server.shutdown()
    return {"median_ms": statistics.median(per_completion) * 1000, "cases_per_s": n / wall}


def bench_library(n: int) -> dict[str, float]:
    """The same process straight on SpiffWorkflow (spiff_limit.py's (a) and (b) workloads)."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(HERE / "bpmn" / "bench_two_step.bpmn"))
    spec = parser.get_spec("bench_two_step")
    subs = parser.get_subprocess_specs("bench_two_step")
    ser = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    def run(persist: bool) -> None:
        wf = BpmnWorkflow(spec, subs)
        wf.do_engine_steps()
        for _ in range(2):
            if persist:
                wf = ser.deserialize_json(ser.serialize_json(wf))
            task = wf.get_next_task(state=TaskState.READY, manual=True)
            task.data.update({"note": "同意"})
            task.run()
            wf.do_engine_steps()
        if persist:
            ser.serialize_json(wf)

    out = {}
    for name, persist in (("in_memory", False), ("persisted", True)):
        run(persist)
        t0 = time.perf_counter()
        for _ in range(n):
            run(persist)
        wall = time.perf_counter() - t0
        out[f"{name}_cases_per_s"] = n / wall
        out[f"{name}_ms_per_completion"] = wall / n / 2 * 1000
    return out


def bench_loop(make: sessionmaker[Session], actor: access.Actor, steps: int) -> dict[str, float]:
    times: list[float] = []
    cpu: list[float] = []
    with make() as s:
        res = cases.start_case(s, actor, "bench_loop", {"title": "loop"})
        for i in range(steps):
            task = open_task(s, actor, res.case_id)
            c0, p0 = time.perf_counter(), time.process_time()
            cases.complete_task(s, actor, res.case_id, task, {"again": i < steps - 1})
            times.append(time.perf_counter() - c0)
            cpu.append(time.process_time() - p0)
    # Medians of the first and the last tenth (at least 5 steps): one step is too noisy.
    k = max(5, steps // 10)
    first, last = statistics.median(times[:k]), statistics.median(times[-k:])
    first_cpu, last_cpu = statistics.median(cpu[:k]), statistics.median(cpu[-k:])
    return {"step1_ms": first * 1000, f"step{steps}_ms": last * 1000, "ratio": last / first,
            "cpu_ratio": last_cpu / first_cpu}


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--loop", type=int, default=200)
    ap.add_argument("--skip-http", action="store_true")
    args = ap.parse_args()
    rows: list[tuple[str, str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        make, actor = setup(url)
        uc = bench_use_cases(make, actor, args.cases)
        lib = bench_library(max(args.cases, 500))
        load = load_average()
        print(f"(a) use-case layer, SQLite: {uc['median_ms']:.2f} ms median per completion "
              f"({uc['median_cpu_ms']:.2f} ms of it CPU), {uc['cases_per_s']:.1f} cases/s")
        if not args.skip_http:
            web = bench_http(url, args.cases)
            print(f"(b) HTTP API, SQLite, 1 client (server in this process): "
                  f"{web['median_ms']:.2f} ms median per completion, "
                  f"{web['cases_per_s']:.1f} cases/s")
        print(f"(L) SpiffWorkflow limit, same process: in memory "
              f"{lib['in_memory_cases_per_s']:.0f} cases/s "
              f"({lib['in_memory_ms_per_completion']:.3f} ms/completion); with JSON save/load "
              f"{lib['persisted_cases_per_s']:.0f} cases/s "
              f"({lib['persisted_ms_per_completion']:.3f} ms/completion)")
        print(f"ratio (a)/library-persisted per completion: "
              f"{uc['median_ms'] / lib['persisted_ms_per_completion']:.1f}x; "
              f"library-persisted cases/s / (a) cases/s: "
              f"{lib['persisted_cases_per_s'] / uc['cases_per_s']:.1f}x")
        if not args.skip_http:
            print(f"ratio (b)/library-persisted per completion: "
                  f"{web['median_ms'] / lib['persisted_ms_per_completion']:.1f}x")
        rows.append(("2", "complete a task, use-case layer, SQLite, median",
                     f"{uc['median_ms']:.2f} ms ({uc['median_cpu_ms']:.2f} ms CPU)", "<= 2.5 ms",
                     load))
        share = uc["cases_per_s"] / lib["persisted_cases_per_s"] * 100
        rows.append(("3", "two-task case, use-case layer / library with save/load",
                     f"{uc['cases_per_s']:.0f} / {lib['persisted_cases_per_s']:.0f} cases/s "
                     f"= {share:.0f} %", ">= 35 %", load))
        if args.loop:
            loop = bench_loop(make, actor, args.loop)
            print(f"loop of {args.loop}: step 1 {loop['step1_ms']:.2f} ms, step {args.loop} "
                  f"{loop[f'step{args.loop}_ms']:.2f} ms, ratio {loop['ratio']:.2f}")
            rows.append(("4", f"step {args.loop} / step 1 of a looping case",
                         f"{loop['ratio']:.2f} ({loop[f'step{args.loop}_ms']:.2f} / "
                         f"{loop['step1_ms']:.2f} ms; CPU {loop['cpu_ratio']:.2f})", "<= 1.5",
                         load_average()))
    print()
    print("| # | measure | this run | goal | load avg 1/5 min |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("Row 1 (HTTP API, production server, client in another process): bench/load.py.")


if __name__ == "__main__":
    main()
