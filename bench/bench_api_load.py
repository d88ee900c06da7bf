"""Bounded load run against a real ``policylens serve`` on 127.0.0.1.

Usage::

    python bench/bench_api_load.py [--clients 8] [--questions 400] [--uploads 10]

Starts ``policylens serve`` (one uvicorn worker, a fresh SQLite file in a temp folder, an API key)
on a free loopback port and waits for ``/readyz``. Then, per phase, ``--clients`` threads (one
keep-alive ``httpx.Client`` each) work through a fixed list of requests — ``--questions``
``POST /v1/ask`` about the bundled seed policy and (except in the first phase) ``--uploads``
``POST /v1/policies`` of distinct synthetic policies, shuffled together:

* ``warm_questions_only``: questions drawn from a small fixed set, so after a first round the
  server's query-vector cache answers (cache hits), and no uploads;
* ``warm``: the same questions with the uploads mixed in;
* ``distinct``: every question new (cache misses), the honest worst case for the encoder, with
  the uploads mixed in.

Reported per phase: requests/s, questions/s, p50/p95 latency of asks and uploads, failed requests
(anything but 200/201); then whether every upload is listed afterwards and answers a question about
its own text. Measured in the same run, to show where the time goes: ``GET /healthz`` requests/s
(the HTTP stack and the clients alone) and, in-process with no HTTP, the cost per question of the
model (alone and in batches of 8), of search + answer, and of a whole ``PolicyLens.ask`` (the
baseline). This is a report, not a test: the machine is shared and noisy (the load average is
printed).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = "bench-key"
DATA = ["email address", "location", "phone number", "postal address", "name", "photos",
        "contacts", "payment card", "browsing history", "device identifiers", "voice recordings",
        "health data", "date of birth", "purchase history", "IP address", "search queries"]
WHO = ["advertisers", "partners", "the police", "China", "affiliates", "data brokers",
       "the United States", "insurers", "researchers", "payment processors", "marketers"]
ASKS = ["Do you share my {d} with {w}?", "Is my {d} sent to {w}?", "Do you sell my {d} to {w}?",
        "How long do you keep my {d}?", "Can I delete my {d}?", "Why do you collect my {d}?"]
WARM = ["Is my data sent to China?", "How long do you keep my data?",
        "Do you sell my personal information?", "Who do you share my data with?",
        "Can I delete my account?", "Do you use cookies for advertising?",
        "Do you collect my location?", "How do I contact the data protection officer?"]


LEADS = ["", "Tell me: ", "Quick question. ", "I am worried. ", "As a customer, "]


def distinct_questions() -> list[str]:
    """About 2,900 different questions (each one is a query-vector cache miss the first time)."""
    qs = [lead + a.format(d=d, w=w) for lead in LEADS for a in ASKS for d in DATA for w in WHO]
    qs = list(dict.fromkeys(qs))
    random.Random(0).shuffle(qs)
    return qs


RUN = time.time_ns()  # synthetic uploads differ from run to run: none is in the vector cache


def synthetic_policy(i: int, tag: str) -> tuple[str, str, str]:
    """A small policy with a unique company name and one clause to ask about."""
    rng = random.Random(f"{tag}-{i}-{RUN}")
    company = f"Bench {tag.title()} Co {i} {RUN % 100_000}"
    days = rng.choice([7, 14, 30, 60, 90, 180, 365])
    recipient = rng.choice(WHO)
    data = rng.sample(DATA, 4)
    sections = [
        f"{company} Privacy Policy",
        "Last updated: March 3, 2024",
        "Information we collect",
        f"{company} collects your {data[0]} and your {data[1]} when you create an account.",
        f"{company} collects your {data[2]} when you contact our support team.",
        "How we use information",
        f"{company} uses your {data[0]} to send you receipts and service messages.",
        f"{company} uses your {data[3]} to detect fraud and keep the service secure.",
        "Sharing",
        f"{company} shares your {data[1]} with {recipient} for the purposes described here.",
        f"{company} never sells your personal information.",
        "Retention",
        f"{company} keeps your {data[2]} for {days} days after your last contact with us.",
        "Your rights",
        f"You can ask {company} to delete your account at any time by writing to us.",
    ]
    question = f"Do you share my {data[1]} with {recipient}?"
    return company, "\n\n".join(sections), question


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "POLICYLENS_API_KEY": KEY, "POLICYLENS_DB": str(db),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    exe = Path(sys.executable).parent / "policylens"
    cmd = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit("server not ready after 600 s")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run_phase(base: str, clients: int, jobs: list[tuple[str, dict]]) -> dict:
    """Send ``jobs`` from ``clients`` threads; return timings, failures and upload ids."""
    lock = threading.Lock()
    it = iter(jobs)
    results: list[tuple[str, int, float, dict | None]] = []

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=300) as client:
            while True:
                with lock:
                    job = next(it, None)
                if job is None:
                    return
                kind, payload = job
                t0 = time.perf_counter()
                try:
                    if kind == "ask":
                        r = client.post("/v1/ask", json=payload)
                    else:
                        r = client.post("/v1/policies", json=payload, headers={"X-API-Key": KEY})
                    status, body = r.status_code, r.json()
                except (httpx.HTTPError, ValueError) as exc:
                    status, body = 0, {"error": str(exc)}
                dt = time.perf_counter() - t0
                with lock:
                    results.append((kind, status, dt, body))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    asks = [dt for k, s, dt, _ in results if k == "ask"]
    ups = [dt for k, s, dt, _ in results if k == "upload"]
    failed = [(k, s, b) for k, s, _, b in results if s not in (200, 201)]
    return {
        "requests": len(results),
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(results) / wall, 1),
        "questions_per_s": round(len(asks) / wall, 1),
        "ask_p50_ms": round(1000 * pct(asks, 0.5), 1),
        "ask_p95_ms": round(1000 * pct(asks, 0.95), 1),
        "upload_p50_ms": round(1000 * pct(ups, 0.5), 1) if ups else None,
        "upload_p95_ms": round(1000 * pct(ups, 0.95), 1) if ups else None,
        "failed": len(failed),
        "failures": failed[:5],
        "upload_ids": [b["id"] for k, s, _, b in results if k == "upload" and s in (200, 201)],
    }


def check_uploads(base: str, uploads: dict[str, str], ids: list[str]) -> dict:
    """Every upload must be listed and must answer a question about its own text."""
    with httpx.Client(base_url=base, timeout=120) as client:
        listed, total, offset = set(), None, 0
        while total is None or offset < total:
            page = client.get("/v1/policies", params={"offset": offset, "limit": 200}).json()
            listed |= {p["id"] for p in page["items"]}
            total, offset = page["total"], offset + 200
        missing = [pid for pid in ids if pid not in listed]
        unanswered = []
        for pid in ids:
            r = client.post("/v1/ask", json={"question": uploads[pid], "policy": pid})
            if r.status_code != 200 or not r.json()["citations"]:
                unanswered.append(pid)
    return {"uploaded": len(ids), "missing": missing, "without_citation": unanswered}


def where_time_goes(questions: list[str]) -> dict:
    """In-process costs per question (one torch thread, as the server runs), no HTTP.

    ``encode_single_ms``: one question through the model; ``encode_batched8_ms``: per question in
    batches of 8 (what the server's batching achieves under load); ``search_answer_ms``: retrieval
    and answer with the question vector already cached; ``ask_miss_ms``: a whole ``PolicyLens.ask``
    of a new question, one at a time (the in-process baseline).
    """
    import torch

    from nlp import PolicyLens

    torch.set_num_threads(1)
    lens = PolicyLens()
    lens.ask("warm up")
    enc = lens.encoder
    qs = questions[:64]

    def per_q(fn, items) -> float:
        t0 = time.perf_counter()
        for x in items:
            fn(x)
        return round(1000 * (time.perf_counter() - t0) / len(qs), 2)

    single = per_q(lambda q: enc.encode([q + " ?"], use_cache=False), qs)
    batched = per_q(lambda i: enc.encode([q + " ?!" for q in qs[i:i + 8]], use_cache=False),
                    range(0, len(qs), 8))
    times = []
    for q in qs:
        t = time.perf_counter()
        lens.ask(q)
        times.append(time.perf_counter() - t)
    hit = per_q(lens.ask, qs)  # the encoder's in-memory LRU now holds these vectors
    return {
        "questions": len(qs),
        "encode_single_ms": single,
        "encode_batched8_ms": batched,
        "search_answer_ms": hit,
        "ask_miss_ms": round(1000 * statistics.mean(times), 2),
        "ask_miss_per_s": round(len(times) / sum(times), 1),
    }


def http_floor(base: str, clients: int, n: int = 1000) -> float:
    """Requests/s of ``GET /healthz``: the HTTP stack alone, clients on the same cores."""
    lock = threading.Lock()
    left = [n]

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                with lock:
                    if left[0] <= 0:
                        return
                    left[0] -= 1
                client.get("/healthz")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return round(n / (time.perf_counter() - t0), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--questions", type=int, default=400, help="Questions per phase.")
    ap.add_argument("--uploads", type=int, default=10, help="Uploads per phase.")
    ap.add_argument("--no-breakdown", action="store_true", help="Skip the in-process costs.")
    ap.add_argument("--json", action="store_true", help="Print one JSON object only.")
    args = ap.parse_args()

    distinct = distinct_questions()
    report: dict = {"clients": args.clients, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="policylens-bench-") as tmp:
        port = free_port()
        t0 = time.perf_counter()
        proc = start_server(Path(tmp) / "bench.sqlite3", port, Path(tmp) / "server.log")
        report["server_ready_s"] = round(time.perf_counter() - t0, 1)
        base = f"http://127.0.0.1:{port}"
        uploads: dict[str, str] = {}
        all_ids: list[str] = []
        try:
            report["healthz_per_s"] = http_floor(base, args.clients)
            fresh = iter(distinct)
            # One round first so that warm phases measure query-vector cache hits only.
            run_phase(base, args.clients, [("ask", {"question": q}) for q in WARM])
            phases = (("warm_questions_only", False, 0), ("warm", False, args.uploads),
                      ("distinct", True, args.uploads))
            for phase, new_questions, n_uploads in phases:
                if new_questions:
                    questions = list(itertools.islice(fresh, args.questions))
                else:
                    questions = list(itertools.islice(itertools.cycle(WARM), args.questions))
                jobs = [("ask", {"question": q}) for q in questions]
                texts = {}
                for i in range(n_uploads):
                    name, text, question = synthetic_policy(i, phase)
                    texts[name] = question
                    jobs.append(("upload", {"name": name, "text": text}))
                random.Random(phase).shuffle(jobs)
                res = run_phase(base, args.clients, jobs)
                for pid in res["upload_ids"]:
                    r = httpx.get(f"{base}/v1/policies/{pid}", timeout=30).json()
                    uploads[pid] = texts[r["name"]]
                all_ids += res.pop("upload_ids")
                report[phase] = res
            report["uploads_check"] = check_uploads(base, uploads, all_ids)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    if not args.no_breakdown:
        # Questions never sent over HTTP, so these are cache misses too.
        report["in_process"] = where_time_goes(distinct[-64:])
    report["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(report, indent=None if args.json else 1))


if __name__ == "__main__":
    main()
