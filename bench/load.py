#!/usr/bin/env python3
"""Load benchmark of the production server (issue 15, rows 1, 5 and 6).

Starts `jianfu serve`'s gunicorn server (webapp/cli/production.py) on 127.0.0.1 with the
benchmark's two-task process of bench/engine_bench.py (its forms, org and clerk, reused), and
drives it from client processes. Each client logs in, then loops: start a case, read it,
complete its first task, read it, complete its second task. Bounded by time and count.

  row 1: SQLite file, 1 worker process, 1 client: median task completion over the API;
  rows 5-6: a freshly created PostgreSQL database, --workers server processes (default 2),
  1, 2, 4, 8 and 16 clients: completions/s, p50 and p95 of a completion.

Beside each figure: the 1-minute load average before and after the step (the machine may be
shared), and the CPU time the server's web processes spent per completion (its share of the
whole case: login excluded, start, reads and completions), which a busy machine changes less
than the latencies. `--profile DIR` runs every server worker under cProfile (CPU time, from
its first request) and prints where the server's time goes. This is a benchmark, not a
test: nothing here asserts a time.

Usage: python bench/load.py [--pg-url postgresql://postgres@127.0.0.1:5432/test]
       [--workers 2] [--threads 1] [--clients 1,2,4,8,16] [--seconds 20] [--max-cases 5000]
       [--row1-cases 200] [--skip-sqlite] [--skip-pg] [--profile DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import engine_bench  # noqa: E402  (registers the benchmark's forms; setup, Client, PASSWORD)

DEFAULT_PG = os.environ.get("JIANFU_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass
class Step:
    clients: int
    completions: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    load_before: float
    load_after: float
    server_cpu_ms: float  # CPU of the web processes per completion (all requests of a case)

    @property
    def per_second(self) -> float:
        return self.completions / self.seconds if self.seconds else 0.0


def serve(url: str, port: int, workers: int, threads: int, profile: str) -> None:
    """The server process: gunicorn with the benchmark's forms registered (engine_bench)."""
    from webapp.cli import production

    def load_app() -> production.WSGIApp:
        app = production.build_app(url, secure_cookies=False)
        if not profile:
            return app
        import atexit
        import cProfile

        # CPU time (waits for the database or the lock do not count), from the first
        # request on: the worker's request handling, gunicorn's and the app's.
        prof = cProfile.Profile(time.process_time)
        out = Path(profile) / f"worker-{os.getpid()}.prof"
        atexit.register(lambda: (prof.disable(), prof.dump_stats(out)))

        def first(environ: dict[str, Any], start_response: Any) -> Any:
            prof.enable()
            nonlocal handler
            handler = app
            return app(environ, start_response)

        handler = first
        return lambda environ, start_response: handler(environ, start_response)

    production.run(url, [f"127.0.0.1:{port}"], workers, threads, access_log=None,
                   load_app=load_app)


def start_server(url: str, workers: int, threads: int, tmp: Path,
                 profile: str) -> tuple[Any, int]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = (tmp / f"server-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, __file__, "_serve", url, str(port), str(workers), str(threads),
         profile],
        cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            if engine_bench.Client(port).call("GET", "/healthz")[0] == 200:
                return proc, port
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server did not start; see {log.name}")


def stop_server(proc: Any) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


def client_loop(port: int, ready: Any, go: Any, deadline_box: Any, max_cases: int,
                out: Any) -> None:
    """One client process: log in, wait for the start, then run cases until the deadline."""
    client = engine_bench.Client(port)
    status, _ = client.call("POST", "/api/v1/login",
                            {"username": "bench_clerk", "password": engine_bench.PASSWORD})
    assert status == 200, status
    ready.put(os.getpid())
    go.wait()
    deadline = deadline_box.value
    times: list[float] = []
    errors = 0
    for i in range(max_cases):
        if time.monotonic() >= deadline:
            break
        status, body = client.call("POST", "/api/v1/cases",
                                   {"process_id": "bench_two_step",
                                    "fields": {"title": f"load {os.getpid()} {i}"}},
                                   {"Idempotency-Key": uuid.uuid4().hex})
        if status != 201:
            errors += 1
            continue
        case_id = body["case_id"]  # type: ignore[index]
        for _ in range(2):
            status, case = client.call("GET", f"/api/v1/cases/{case_id}")
            task = next(t["task_uuid"] for t in case["tasks"]  # type: ignore[index]
                        if t["state"] == "open")
            c0 = time.perf_counter()
            status, _ = client.call("POST", f"/api/v1/cases/{case_id}/tasks/{task}/complete",
                                    {"fields": {"note": "同意"}})
            elapsed = time.perf_counter() - c0
            if status == 200:
                times.append(elapsed)
            else:
                errors += 1
    out.put((times, errors, time.monotonic()))


def server_cpu(master: int) -> float:
    """Seconds of CPU the server's web processes (the master's children) have used."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return float("nan")  # not Linux
    return total / ticks


def run_step(port: int, master: int, clients: int, seconds: float, max_cases: int) -> Step:
    ctx = mp.get_context("fork")
    ready, go, out = ctx.Queue(), ctx.Event(), ctx.Queue()
    deadline = ctx.Value("d", 0.0)
    procs = [ctx.Process(target=client_loop, args=(port, ready, go, deadline, max_cases, out))
             for _ in range(clients)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)  # every client has logged in
    load_before, cpu_before = os.getloadavg()[0], server_cpu(master)
    t0 = time.monotonic()
    deadline.value = t0 + seconds
    go.set()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    cpu = server_cpu(master) - cpu_before
    for p in procs:
        p.join()
    wall = max(r[2] for r in results) - t0
    times = sorted(t for r in results for t in r[0])
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))] if times else 0.0
    return Step(clients, len(times), wall, statistics.median(times) * 1000 if times else 0.0,
                p95 * 1000, sum(r[1] for r in results), load_before, os.getloadavg()[0],
                cpu * 1000 / len(times) if times else 0.0)


def show(label: str, step: Step) -> None:
    print(f"{label:<34} {step.clients:>3} client(s): {step.per_second:7.1f} completions/s, "
          f"p50 {step.p50_ms:6.2f} ms, p95 {step.p95_ms:6.2f} ms, {step.completions} in "
          f"{step.seconds:.1f} s, {step.errors} errors; server CPU {step.server_cpu_ms:.1f} ms "
          f"per completion; load {step.load_before:.2f} -> {step.load_after:.2f}", flush=True)


def measure(url: str, workers: int, threads: int, counts: list[int], seconds: float,
            max_cases: int, label: str, tmp: Path, profile: str) -> list[Step]:
    engine_bench.setup(url)
    steps: list[Step] = []
    if profile:
        profile = str(Path(profile) / ("sqlite" if url.startswith("sqlite") else "postgresql"))
        Path(profile).mkdir(parents=True, exist_ok=True)
    proc, port = start_server(url, workers, threads, tmp, profile)
    try:
        run_step(port, proc.pid, 1, min(2.0, seconds), 20)  # warm-up: every worker's caches
        for n in counts:
            steps.append(run_step(port, proc.pid, n, seconds, max_cases))
            show(label, steps[-1])
    finally:
        stop_server(proc)
    if profile:
        print_profile(Path(profile))
    return steps


def table(rows: list[tuple[str, Step]]) -> None:
    """The figures once more, as the issue's table rows (markdown)."""
    print("\n| row | clients | completions/s | p50 ms | p95 ms | server CPU ms/completion "
          "| load 1 min before -> after |\n| --- | --- | --- | --- | --- | --- | --- |")
    for row, s in rows:
        print(f"| {row} | {s.clients} | {s.per_second:.1f} | {s.p50_ms:.2f} | {s.p95_ms:.2f} "
              f"| {s.server_cpu_ms:.1f} | {s.load_before:.2f} -> {s.load_after:.2f} |")


def print_profile(folder: Path) -> None:
    import pstats

    files = sorted(str(p) for p in folder.glob("worker-*.prof"))
    if not files:
        print(f"no profiles in {folder}")
        return
    stats = pstats.Stats(*files)
    print(f"CPU profile of the server's web processes ({folder}): the API calls, then the most "
          "expensive functions")
    stats.strip_dirs().sort_stats("cumulative").print_stats(r"api.py|auth.py|run_command")
    stats.print_stats(45)
    stats.sort_stats("tottime").print_stats(30)


def fresh_pg(admin_url: str) -> tuple[str, str]:
    """A new, empty database beside admin_url's: (its URL, its name)."""
    import psycopg

    name = f"jianfu_load_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}", name


def drop_pg(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pg-url", default=DEFAULT_PG,
                    help="an existing PostgreSQL database; a fresh one is made beside it")
    ap.add_argument("--workers", type=int, default=2, help="server processes for rows 5-6")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads per server process (more than 1: gthread, keep-alive)")
    ap.add_argument("--clients", default="1,2,4,8,16")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each step")
    ap.add_argument("--max-cases", type=int, default=5000, help="cases per client per step")
    ap.add_argument("--row1-cases", type=int, default=200, help="cases for row 1")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--profile", default="", help="folder for the server workers' profiles")
    args = ap.parse_args()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        args.profile = str(Path(args.profile).resolve())
    counts = [int(n) for n in args.clients.split(",")]
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()}", flush=True)
    rows: list[tuple[str, Step]] = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if not args.skip_sqlite:
            steps = measure(f"sqlite:///{tmp}/load.sqlite3", 1, args.threads, [1], 60.0,
                            args.row1_cases, "row 1: SQLite, 1 worker", tmp, args.profile)
            rows += [("1", step) for step in steps]
        if not args.skip_pg:
            url, name = fresh_pg(args.pg_url)
            try:
                steps = measure(url, args.workers, args.threads, counts, args.seconds,
                                args.max_cases, f"rows 5-6: PostgreSQL, {args.workers} workers",
                                tmp, args.profile)
                rows += [("5, 6" if step.clients == 8 else "6", step) for step in steps]
            finally:
                drop_pg(args.pg_url, name)
    table(rows)

if __name__ == "__main__":
    if sys.argv[1:2] == ["_serve"]:
        serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    else:
        main()
