"""Ask latency while a large policy is uploaded, against a real ``policylens serve``.

Usage::

    python bench/bench_api_jobs.py [--clauses 2200] [--asks 60]

Starts ``policylens serve`` twice on a loopback port (fresh SQLite files, no vector cache, so both
runs encode every clause): once with the default ``job_upload_bytes`` (the large upload is a
background job: 202, then ``GET /v1/jobs/{id}``) and once with the threshold above the upload's size
(the upload is processed inside its request, as before jobs existed). In each, questions about the
bundled seed policy are sent one after another (every question new, so no query-vector cache hit),
with the server idle (before and after the upload) and while the large synthetic policy (about
``--clauses`` clauses) is being processed. Reported: p50/p95 ask latency idle and during the
upload, their ratio, and how long the upload took. A report, not a
test: the machine is shared (the load average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_api_load import KEY, distinct_questions, free_port, pct, start_server  # noqa: E402


def large_policy(clauses: int) -> str:
    """A long policy of distinct clauses, two per section."""
    parts = ["Largeco Privacy Policy", "", "Last updated: March 3, 2024", ""]
    for i in range(clauses // 2):
        parts += [f"## Section {i}", "",
                  f"We share the device identifiers of feature {i} with analytics partner {i} "
                  f"to measure how feature {i} is used.", "",
                  f"We keep the records of service {i} for {i % 300 + 10} days, then delete them.",
                  ""]
    return "\n".join(parts)


def ask_until(client: httpx.Client, questions: list[str], done: threading.Event | None,
              n: int) -> list[float]:
    """Ask one question at a time: ``n`` of them, or (with ``done``) until it is set."""
    out: list[float] = []
    while questions and (len(out) < n if done is None else not done.is_set()):
        q = questions.pop()
        started = time.perf_counter()
        r = client.post("/v1/ask", json={"question": q})
        r.raise_for_status()
        out.append(time.perf_counter() - started)
    return out


def run(threshold: int | None, text: str, asks: int, tmp: Path) -> dict:
    if threshold is None:
        os.environ.pop("POLICYLENS_API__JOB_UPLOAD_BYTES", None)
    else:
        os.environ["POLICYLENS_API__JOB_UPLOAD_BYTES"] = str(threshold)
    os.environ["POLICYLENS_API__MAX_UPLOAD_BYTES"] = str(len(text.encode()) * 2)
    # No vector cache: the second run would find the first run's clause vectors on disk.
    os.environ["POLICYLENS_EMBED__USE_CACHE"] = "false"
    port = free_port()
    tag = "sync" if threshold else "job"
    proc = start_server(tmp / f"{tag}.sqlite3", port, tmp / f"{tag}.log")
    base = f"http://127.0.0.1:{port}"
    questions = distinct_questions()
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            ask_until(client, questions, None, 5)  # warm the route
            idle = ask_until(client, questions, None, asks)
            done = threading.Event()
            upload: dict = {}

            def send() -> None:
                started = time.perf_counter()
                with httpx.Client(base_url=base, timeout=900) as up:
                    r = up.post("/v1/policies", json={"name": "Largeco", "text": text},
                                headers={"X-API-Key": KEY})
                    upload["status"] = r.status_code
                    if r.status_code == 202:
                        job = r.json()["id"]
                        while up.get(f"/v1/jobs/{job}").json()["state"] not in ("succeeded",
                                                                                 "failed"):
                            time.sleep(0.2)
                        upload["job"] = up.get(f"/v1/jobs/{job}").json()
                upload["seconds"] = time.perf_counter() - started
                done.set()

            sender = threading.Thread(target=send)
            sender.start()
            time.sleep(0.5)  # the upload is being processed
            during = ask_until(client, questions, done, 0)
            sender.join()
            idle += ask_until(client, questions, None, asks)  # idle again: the load may move
            clauses = client.get("/v1/policies/largeco").json()["clause_count"]
    finally:
        proc.terminate()
        proc.wait(60)
    return {
        "mode": "background job (202)" if threshold is None else "in the request (before jobs)",
        "upload_status": upload.get("status"),
        "upload_seconds": round(upload["seconds"], 1),
        "clauses": clauses,
        "asks_idle": len(idle),
        "asks_during": len(during),
        "idle_p50_ms": round(statistics.median(idle) * 1000, 1),
        "idle_p95_ms": round(pct(idle, 0.95) * 1000, 1),
        "during_p50_ms": round(statistics.median(during) * 1000, 1) if during else None,
        "during_p95_ms": round(pct(during, 0.95) * 1000, 1) if during else None,
        "p50_ratio": round(statistics.median(during) / statistics.median(idle), 2)
        if during else None,
        "p95_ratio": round(pct(during, 0.95) / pct(idle, 0.95), 2) if during else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clauses", type=int, default=2200)
    ap.add_argument("--asks", type=int, default=60, help="Questions asked idle, before and after.")
    args = ap.parse_args()
    text = large_policy(args.clauses)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(None, text, args.asks, Path(tmp)),
                run(len(text.encode()) + 1, text, args.asks, Path(tmp))]
    print(json.dumps({"upload_bytes": len(text.encode()), "load_average": os.getloadavg(),
                      "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
