"""The ``policylens`` command line. No logic here: parse options, call ``nlp``, print.

Exit codes: 0 done; 1 bad input (a missing, unreadable or unparsable file, a folder where a file
is wanted...): errors the library raises on purpose, one line on stderr; 2 bad usage (a missing
argument, an unknown option); 3 ``classify`` finished but skipped some files (unreadable, or not
a policy format), which its summary lists; 70 an internal error. Set ``POLICYLENS_DEBUG=1`` to see
the traceback instead of the one line.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nlp.config import Settings
from nlp.errors import InputError, PolicylensError
from nlp.serialize import clause_record

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

EXIT_SKIPPED = 3  # classify: finished, but some files were skipped


class PathArg(click.ParamType):
    """A path parameter whose problems are bad input (exit 1, one line), not usage errors (2).

    ``kind`` is what must be there: ``"file"``, ``"dir"`` or ``"any"`` (either), readable;
    ``"input"`` is ``"any"`` or an fsspec URL; an ``"output"`` may not exist yet but must not be
    a folder (``"output-or-folder"``: the command checks).
    """

    name = "path"

    def __init__(self, kind: str = "file") -> None:
        self.kind = kind

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        path = Path(value)
        is_option = isinstance(param, click.Option)
        name = f"{max(param.opts, key=len)}: " if is_option and param is not None else ""
        if self.kind == "input" and "://" in str(value):
            return str(value)  # an fsspec URL: the batch lists it, and says if it is not there
        if self.kind == "output-or-folder":
            return str(value)  # the batch says which folders it writes into
        if self.kind == "output":
            if path.is_dir():
                raise InputError(f"{name}{value} is a folder; give the name of a file to write")
            return str(value)
        if not path.exists():
            raise InputError(f"{name}no such file or folder: {value}")
        if self.kind == "file" and path.is_dir():
            raise InputError(f"{name}{value} is a folder; give a policy file")
        if self.kind == "dir" and not path.is_dir():
            raise InputError(f"{name}{value} is not a folder")
        if not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
            raise InputError(f"{name}{value} cannot be read (permission denied)")
        return str(value)


def _lens(policy_path: str | None = None) -> Any:
    from nlp.pipeline import PolicyLens

    lens = PolicyLens(Settings())
    if policy_path:
        _warn(lens.load(policy_path))
    return lens


def _warn(policy: Any) -> None:
    """What ingest noticed without refusing the input (e.g. much text dropped), on stderr."""
    for message in policy.warnings:
        click.echo(f"policylens: warning: {policy.id}: {message}", err=True)


def _emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")(fn)


def query_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by the commands that query a policy."""
    fn = click.option(
        "--category",
        "category",
        default=None,
        help="Boost clauses of this category (collection, use, sharing, ...).",
    )(fn)
    fn = click.option(
        "--top-k",
        "top_k",
        type=click.IntRange(1, 100),
        default=None,
        help="How many clauses to return or cite.",
    )(fn)
    fn = click.option(
        "--version",
        "version",
        default=None,
        help="Policy version (label, year, 'latest' or 'oldest'); default latest.",
    )(fn)
    fn = click.option(
        "--policy",
        "policy_path",
        type=PathArg("file"),
        default=None,
        help="Policy file (.txt, .md, .html, .pdf); default the bundled seed policy.",
    )(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policylens")
def cli() -> None:
    """policylens: read privacy policies, find their clauses, answer questions with citations."""


@cli.command()
@click.argument("question")
@query_options
@json_option
def ask(
    question: str,
    policy_path: str | None,
    version: str | None,
    top_k: int | None,
    category: str | None,
    as_json: bool,
) -> None:
    """Answer QUESTION about a policy, citing the clauses the answer rests on.

    Example: policylens ask "Is my data sent to China?"
    """
    ans = _lens(policy_path).ask(question, version=version, top_k=top_k, category=category)
    if as_json:
        _emit_json(ans.to_dict())
        return
    click.echo(f"Verdict: {ans.verdict}")
    click.echo(ans.answer)
    click.echo(f"Policy: {ans.policy}  version: {ans.version}")
    for i, c in enumerate(ans.citations, 1):
        click.echo(
            f"\n[{i}] {c.section or '(no section)'}  score {c.score:.2f}  "
            f"chars {c.start}-{c.end}  id {c.clause_id}"
        )
        click.echo(f"    {c.text}")


@cli.command()
@click.argument("query")
@query_options
@json_option
def search(
    query: str,
    policy_path: str | None,
    version: str | None,
    top_k: int | None,
    category: str | None,
    as_json: bool,
) -> None:
    """Find the clauses closest to QUERY (hybrid dense + BM25 search).

    Example: policylens search "data transfers outside Europe" --top-k 5
    """
    hits = _lens(policy_path).search(query, version=version, top_k=top_k, category=category)
    for rank, h in enumerate(hits, 1):
        c = h.clause
        if as_json:
            _emit_json(
                {
                    **clause_record(c),
                    "rank": rank,
                    "score": round(h.score, 5),
                    "dense": round(h.dense, 4),
                    "sparse": round(h.sparse, 4),
                }
            )
        else:
            click.echo(
                f"{rank}. [{c.policy_id} {c.version}] {c.section_path or '(no section)'}"
                f"  score {h.score:.4f} (dense {h.dense:.2f}, bm25 {h.sparse:.2f})"
            )
            click.echo(f"   {c.text}")


@cli.command()
@click.argument("path", type=PathArg("file"))
@click.option("--version", "version", default=None, help="Only this version (default: all).")
@json_option
def segment(path: str, version: str | None, as_json: bool) -> None:
    """Clean a policy file and cut it into clauses with section paths and offsets.

    Example: policylens segment corpora/000_ce4448d9c54926ad.txt --json
    """
    lens = _lens()
    policy = lens.load(path)
    _warn(policy)
    labels = [policy.version(version).label] if version else [v.label for v in policy.versions]
    for label in labels:
        clauses = lens.clauses(policy.id, label)
        v = policy.version(label)
        if not as_json:
            date = "no date"
            if v.effective_date:
                date = f"{v.effective_date.isoformat()} from {v.date_source}"
            score = "-" if policy.policy_score is None else f"{policy.policy_score:.2f}"
            click.echo(
                f"# {policy.id} version {label} ({date}), language {v.language or '?'}, "
                f"policy score {score}: {len(clauses)} clauses"
            )
        extra = {"date_source": v.date_source, "policy_score": policy.policy_score,
                 "language_supported": policy.language_supported}
        for c in clauses:
            if as_json:
                _emit_json({**clause_record(c), **extra})
            else:
                click.echo(
                    f"{c.start:>6}-{c.end:<6} {c.kind:<9} {c.section_path[:50]:<50} {c.text[:90]}"
                )


@cli.command()
@click.argument("path", type=PathArg("file"))
@click.option("--version", "version", default=None, help="Only this version (default: all).")
@json_option
def practices(path: str, version: str | None, as_json: bool) -> None:
    """List the practice statements of every clause: who does what with which data.

    One statement per line: practice, polarity (affirmed, denied, conditional) and condition,
    data types, recipients, purposes, places, retention and audience, each named by the ontology.

    Example: policylens practices corpora/000_ce4448d9c54926ad.txt --json
    """
    from nlp.practices import format_statement, statement_row

    lens = _lens(path)
    policy = lens.policy()
    labels = [policy.version(version).label] if version else [v.label for v in policy.versions]
    for label in labels:
        clauses = {c.id: c for c in lens.clauses(policy.id, label)}
        for st in lens.statements(policy.id, label):
            clause = clauses[st.clause_id]
            if as_json:
                _emit_json(statement_row(clause, st))
            else:
                click.echo(format_statement(clause, st))


@cli.command()
@click.argument("old", type=PathArg("file"))
@click.argument("new", type=PathArg("file"), required=False)
@click.option(
    "--old-version",
    default=None,
    help="Version of OLD (default: its second newest when NEW is not given, else its latest).",
)
@click.option("--new-version", default=None, help="Version of NEW to compare (default latest).")
@click.option("--cosmetic", is_flag=True, help="Also list changes of form only (cosmetic).")
@json_option
def compare(
    old: str,
    new: str | None,
    old_version: str | None,
    new_version: str | None,
    cosmetic: bool,
    as_json: bool,
) -> None:
    """Say which clauses were added, removed or changed from OLD to NEW, per category.

    With one file that holds several versions, its two most recent versions are compared.
    Changed wording is shown as [-removed words-] and {+added words+}.

    Example: policylens compare corpora/000_ce4448d9c54926ad.txt
    """
    from nlp.compare import Comparison

    # The text report prints categories of the kinds it lists only; JSON counts every kind.
    kinds = None if as_json else Comparison.report_kinds(include_cosmetic=cosmetic)
    result = _lens().compare(
        old, new, old_version=old_version, new_version=new_version, label_kinds=kinds
    )
    if as_json:
        _emit_json(result.to_dict())
    else:
        click.echo(result.report(include_cosmetic=cosmetic))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--db",
    type=PathArg("output"),
    default=None,
    help="SQLite file of stored policies (default: POLICYLENS_DB or policylens.sqlite3).",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
)
def serve(host: str, port: int, db: str | None, log_level: str) -> None:
    """Run the HTTP API (one process) for chatbot backends.

    Uploads and deletes need the key in POLICYLENS_API_KEY, sent as the X-API-Key header.

    Example: POLICYLENS_API_KEY=secret policylens serve --host 127.0.0.1 --port 8000
    """
    import uvicorn

    from api.main import create_app, uvicorn_options

    settings = Settings()
    if db:
        settings = settings.model_copy(
            update={"api": settings.api.model_copy(update={"db": Path(db)})}
        )
    if host not in settings.api.allowed_hosts and host not in ("0.0.0.0", "::"):
        # The address the server listens on is a host name it answers for.
        hosts = [*settings.api.allowed_hosts, host]
        settings = settings.model_copy(
            update={"api": settings.api.model_copy(update={"allowed_hosts": hosts})}
        )
    if not settings.api.api_key:
        click.echo("policylens: POLICYLENS_API_KEY is not set: uploads and deletes are off",
                   err=True)
    uvicorn.run(create_app(settings), host=host, port=port, workers=1, log_level=log_level,
                **uvicorn_options(settings))


@cli.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite file of stored policies (default: POLICYLENS_DB or policylens.sqlite3).",
)
def mcp(db: str | None) -> None:
    """Serve the ask, search and practices tools over the Model Context Protocol (stdio).

    Example: policylens mcp --db policies.sqlite3   (register it as a stdio MCP server)
    """
    import logging

    from api.mcp_server import serve_stdio

    logging.basicConfig(level=logging.WARNING)  # stderr: stdout carries the protocol
    settings = Settings()
    if db:
        settings = settings.model_copy(
            update={"api": settings.api.model_copy(update={"db": Path(db)})}
        )
    serve_stdio(settings)


_SCHEMES = ("policylens", "opp115")


def data_dir_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--data-dir",
        type=PathArg("dir"),
        default=None,
        help="Folder holding opp115/ and appcorp/ (default ../shared/datasets).",
    )(fn)


@cli.command()
@click.option(
    "--scheme",
    type=click.Choice([*_SCHEMES, "all"]),
    default="all",
    show_default=True,
    help="Label scheme to train: ours, the native OPP-115 one, or both.",
)
@click.option(
    "--practices", "practices_model", is_flag=True,
    help="Train the practices stage's data-type tagger (models/practices) instead.",
)
@data_dir_option
@click.option(
    "--encoder",
    is_flag=True,
    help="Fine-tune the sentence encoder on policy questions and export it to ONNX "
    "(models/encoder/) instead of training classifiers.",
)
@click.option(
    "--export-only",
    is_flag=True,
    help="With --encoder: export the model to ONNX as it is, without fine-tuning.",
)
@click.option(
    "--from",
    "source",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="With --encoder: the sentence-transformers model folder (default: all-MiniLM-L6-v2).",
)
@click.option(
    "--to",
    "dest",
    type=click.Path(file_okay=False),
    default=None,
    help="With --encoder: the folder to write (default: the shipped models/encoder/).",
)
@click.option(
    "--precision",
    type=click.Choice(["fp16", "fp32", "int8"]),
    default="fp16",
    show_default=True,
    help="With --encoder: how the weights are stored.",
)
@click.option(
    "--max-steps",
    type=int,
    default=None,
    help="With --encoder: stop the fine-tune after N steps (a smoke run; default: one epoch).",
)
@click.option(
    "--keep-tuned",
    type=click.Path(file_okay=False),
    default=None,
    help="With --encoder: also keep the tuned sentence-transformers folder here (torch backend).",
)
def train(
    scheme: str,
    practices_model: bool,
    data_dir: str | None,
    encoder: bool,
    export_only: bool,
    source: str | None,
    dest: str | None,
    precision: str,
    max_steps: int | None,
    keep_tuned: str | None,
) -> None:
    """Train the clause classifiers into models/ and rewrite models/MODEL_CARD.md.

    Trains on OPP-115 train + APPCorp folds 0-6 (+ the seed gold set) and tunes thresholds on
    OPP-115 validation + APPCorp fold 7. Deterministic: re-running rebuilds the same model.
    With --encoder, fine-tunes all-MiniLM-L6-v2 on policy question -> clause pairs (PolicyQA
    training policies, OPP-115 practice spans, PrivacyQA train, the lay questions' train split)
    and exports it to the ONNX encoder policylens runs (the only step that needs torch:
    pip install -e ".[train]"); --export-only exports a model as it is.
    With --practices: the data-type tagger on PI-Extract train, the nearest-node threshold on
    the OPP-115 train policies (5 to 15 minutes on two cores).

    Example: policylens train --scheme policylens

    Example: policylens train --encoder --precision fp16
    """
    if encoder:
        from nlp.config import DEFAULT_ENCODER
        from nlp.embed.export import base_model_path

        src = Path(source) if source else base_model_path()
        out = Path(dest) if dest else DEFAULT_ENCODER
        if export_only:
            from nlp.embed.export import export_encoder

            report = export_encoder(
                src, out, precision=precision,  # type: ignore[arg-type]
                name=None if source else "all-MiniLM-L6-v2",
            )
        else:
            from nlp.embed.training import default_datasets_dir, train_encoder

            trained = train_encoder(
                Settings(), Path(data_dir) if data_dir else default_datasets_dir(), out,
                base=src, precision=precision,  # type: ignore[arg-type]
                work_dir=Path(keep_tuned) if keep_tuned else None, max_steps=max_steps,
                progress=lambda m: click.echo(m, err=True),
            )
            report = trained.export
            click.echo(
                f"encoder: tuned ({trained.method}, {trained.steps} epochs or steps) on "
                f"{trained.examples} triples {trained.sources}"
            )
        click.echo(
            f"encoder: saved to {report.path} ({report.precision}, "
            f"{report.model_bytes / 1e6:.1f} MB); cosine to its source: min "
            f"{report.min_cosine:.6f}, mean {report.mean_cosine:.6f}"
        )
        return
    if practices_model:
        from nlp.practices.training import run_practices_training

        result = run_practices_training(
            Settings(), data_dir=Path(data_dir) if data_dir else None,
            progress=lambda m: click.echo(m, err=True),
        )
        pi = result.params["metrics"]["piextract_validation_tagger"]
        click.echo(f"practices: saved to {result.path}; PI-Extract validation span F1 "
                   + ", ".join(f"{t} {m['f1']:.3f}" for t, m in pi.items()))
        return
    from nlp.classify.training import run_training

    schemes = list(_SCHEMES) if scheme == "all" else [scheme]
    for r in run_training(
        Settings(), schemes, data_dir=Path(data_dir) if data_dir else None,
        progress=lambda m: click.echo(m, err=True),
    ):
        cf = r.metrics["validation_crossfit"]["all"]
        click.echo(
            f"{r.scheme}: saved to {r.path}; validation macro F1 {cf['macro_f1']:.3f}, "
            f"micro F1 {cf['micro_f1']:.3f} (thresholds cross-fitted)"
        )


@cli.command()
@click.option(
    "--scheme", type=click.Choice([*_SCHEMES, "all"]), default="all", show_default=True,
    help="Which saved model to evaluate.",
)
@click.option(
    "--task", type=click.Choice(["classify", "practices", "qa"]), default="classify",
    show_default=True,
    help="What to evaluate: the clause classifiers, the practices stage or lay questions.",
)
@click.option(
    "--data", "qa_data", type=PathArg("file"), default=None,
    help="--task qa: a lay-question JSONL file (default corpora/qa/lay_questions.jsonl).",
)
@click.option(
    "--split", default="validation", show_default=True,
    help="--task qa: the split to answer (train, validation, seed or all; tuning: the train "
    "questions of the policies the encoder was not tuned on).",
)
@data_dir_option
@json_option
def evaluate(
    scheme: str, task: str, qa_data: str | None, split: str, data_dir: str | None, as_json: bool
) -> None:
    """Print per-label precision/recall/F1 and macro/micro F1 on the validation data.

    opp115: OPP-115 validation (native labels). policylens: OPP-115 validation and APPCorp
    fold 7 (mapped), and the seed gold set cross-validated by section. Validation figures only.
    --task practices: PI-Extract validation span F1, OPP-115 held-out policies, seed gold.
    --task qa: lay questions of one split answered by `ask` (policies from --data-dir): verdict
    accuracy, cited@1 and cited@3, per verdict, the confusion matrix and the reasons of the misses.

    Example: policylens evaluate --task qa --split validation
    """
    if task == "qa":
        from nlp.answer.evaluation import (
            DEFAULT_DATASETS,
            evaluate_rows,
            format_qa_report,
            load_questions,
        )

        lens = _lens()
        rows = load_questions(Path(qa_data) if qa_data else None, split)
        report = evaluate_rows(
            rows,
            load=lambda path: lens.load(path).id,
            ask=lambda question, pid: lens.ask(question, policy=pid),
            datasets=Path(data_dir) if data_dir else DEFAULT_DATASETS,
            clause_texts=lambda pid: {c.id: c.text for c in lens.clauses(pid)},
        )
        if as_json:
            _emit_json({"split": split, **report})
        else:
            click.echo(format_qa_report(report, f"Lay questions, split {split}"))
        return
    if task == "practices":
        from nlp.embed import Encoder
        from nlp.practices.report import format_practices_report, run_practices_evaluation

        settings = Settings()
        report = run_practices_evaluation(
            settings, Encoder(settings.embed).encode,
            data_dir=Path(data_dir) if data_dir else None,
            progress=lambda m: click.echo(m, err=True),
        )
        if as_json:
            _emit_json(report)
        else:
            click.echo(format_practices_report(report))
        return
    from nlp.classify.training import format_report, run_evaluation

    schemes = list(_SCHEMES) if scheme == "all" else [scheme]
    results = run_evaluation(
        Settings(), schemes, data_dir=Path(data_dir) if data_dir else None,
        progress=lambda m: click.echo(m, err=True),
    )
    for name, reports in results.items():
        for title, rep in reports:
            if as_json:
                _emit_json({"scheme": name, "title": title, **rep})
            else:
                click.echo(f"## {name}\n\n{format_report(title, rep)}\n")


def _engine_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--engine ray`` without Ray installed is a usage error, said before any model loads."""
    if value == "ray":
        from nlp.errors import MissingExtraError
        from nlp.research.ray_engine import require_ray

        try:
            require_ray()
        except MissingExtraError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc
    return value


@cli.command()
@click.argument("paths", nargs=-1, type=PathArg("input"))
@click.option("--stdin-lines", is_flag=True, help="Classify each line of stdin as one clause.")
@click.option(
    "--scheme", type=click.Choice(_SCHEMES), default=None,
    help="Label scheme (default: POLICYLENS_CLASSIFY__SCHEME or policylens).",
)
@click.option(
    "--output", "-o", type=PathArg("output-or-folder"), default=None,
    help="Write rows to this .jsonl, .csv or .parquet file, or to a folder of Parquet parts, one "
    "per task, when the name ends in / (batch mode: resumable).",
)
@click.option("--restart", is_flag=True, help="Batch mode: start afresh instead of resuming.")
@click.option(
    "--engine", type=click.Choice(["local", "ray"]), default=None, callback=_engine_option,
    help="Where the policies are classified: local (this machine; default) or ray (Ray actors "
    "on a local or remote cluster; the [ray] extra). Default: POLICYLENS_BATCH__ENGINE.",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=None,
    help="Worker processes (local) or Ray actors, each loading the models once (default 1: "
    "in this process, with local).",
)
@click.option(
    "--address", default=None,
    help="Ray cluster to join (auto, ray://HEAD:10001); default: start a local one.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no per-policy lines.")
@click.option(
    "--min-policy-score", type=click.FloatRange(0, 1), default=0.0, show_default=True,
    help="Skip files whose 'is this a privacy policy?' score is below this (column policy_score).",
)
@json_option
def classify(
    paths: tuple[str, ...],
    stdin_lines: bool,
    scheme: str | None,
    output: str | None,
    restart: bool,
    engine: str | None,
    workers: int | None,
    address: str | None,
    quiet: bool,
    min_policy_score: float,
    as_json: bool,
) -> None:
    """Label every clause of policy files or folders (txt, md, html, pdf) by category.

    Prints one JSON object per clause with --json, or writes them to --output with a progress
    bar and a per-policy summary (clauses per label, asked-for categories never addressed).
    Interrupted batch runs resume where they stopped. Unreadable files, and files in a folder
    that are not a policy format, are reported and skipped; a summary line (on stderr without
    --output) counts them. PATHS may be fsspec URLs too (file://, s3:// with s3fs...).
    --engine local --workers N classifies in N local processes, --engine ray in N Ray actors
    (see docs/cluster.md); the rows are the same.

    \b
    Exit status: 0 every file classified (or nothing to do); 1 bad input; 2 bad usage;
    3 finished, but some files were skipped (listed in the summary).

    Example: policylens classify ../shared/datasets/opentermsarchive -o ota.parquet
    """
    from nlp.classify import load_classifier
    from nlp.embed import Encoder
    from nlp.research.batch import (
        BatchClassifier,
        BatchReport,
        clause_rows,
        format_summary,
        stdin_clauses,
    )

    settings = Settings()
    clf = load_classifier(settings.classify, scheme)
    encoder = Encoder(settings.embed)

    def show(row: dict[str, Any]) -> None:
        if as_json:
            _emit_json(row)
        else:
            labels = ",".join(row["labels"]) or "-"
            score = "-" if row.get("policy_score") is None else f"{row['policy_score']:.2f}"
            click.echo(
                f"{row['policy']}\t{row['version']}\t{row.get('language') or '-'}\t{score}\t"
                f"{labels}\t{row['text'][:100]}"
            )

    if stdin_lines:
        clauses = stdin_clauses(sys.stdin)
        emb = encoder.encode([c.contextual_text() for c in clauses])
        for row in clause_rows(clauses, clf, emb):
            show(row)
        return
    if not paths:
        raise click.UsageError("give policy files or folders, or --stdin-lines")
    batch = BatchClassifier(
        clf, encoder, ingest=settings.ingest, segment=settings.segment, engine=engine,
        workers=workers, address=address, settings=settings.batch,
        min_policy_score=min_policy_score,
    )

    def report_error(path: str, reason: str) -> None:
        click.echo(f"policylens: skipped {path}: {reason}", err=True)

    def report_warning(policy_id: str, message: str) -> None:
        click.echo(f"policylens: warning: {policy_id}: {message}", err=True)

    if output is None:
        report = BatchReport()
        for row in batch.iter_rows(
            paths, on_error=report_error, report=report, on_warning=report_warning
        ):
            show(row)
        # stdout holds the rows alone; the counts go to stderr.
        click.echo(format_summary(report, per_policy=False).lstrip("\n"), nl=False, err=True)
    else:
        report = batch.run(paths, output, resume=not restart, progress=not quiet,
                           on_error=report_error, on_warning=report_warning)
        if as_json:
            for summary in report.summaries:
                _emit_json(summary.to_dict())
            _emit_json({"output": str(report.output), "policies": report.done,
                        "clauses": report.clauses, "skipped": len(report.skipped),
                        "failed": [{"path": p, "reason": r} for p, r in report.failed],
                        "unsupported": [{"path": p, "reason": r} for p, r in report.unsupported],
                        "redone": report.redone, "engine": report.engine,
                        "workers": report.workers, "worker_losses": report.worker_losses})
        else:
            click.echo(format_summary(report, per_policy=not quiet), nl=False)
            click.echo(f"rows written to {report.output}")
    if report.files_skipped:
        click.get_current_context().exit(EXIT_SKIPPED)


def _run(fn: Callable[[], Any]) -> int:
    try:
        # Without standalone mode, click returns the code of ctx.exit(code) instead of raising.
        code = fn()
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("policylens: aborted", err=True)
        return 130
    except (PolicylensError, OSError, UnicodeError) as exc:
        if os.environ.get("POLICYLENS_DEBUG"):
            raise
        msg = str(exc).strip() or type(exc).__name__
        if isinstance(exc, OSError) and exc.filename:
            msg = f"{exc.strerror or exc}: {exc.filename}"
        click.echo(f"policylens: error: {msg}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("policylens: interrupted", err=True)
        return 130
    except Exception as exc:  # last resort: a bug, still no traceback for users
        if os.environ.get("POLICYLENS_DEBUG"):
            raise
        click.echo(
            f"policylens: internal error: {type(exc).__name__}: {exc} "
            "(set POLICYLENS_DEBUG=1 for the traceback)",
            err=True,
        )
        return 70
    return code if isinstance(code, int) else 0


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    code = _run(
        functools.partial(cli.main, args=argv, prog_name="policylens", standalone_mode=False)
    )
    sys.exit(code)


if __name__ == "__main__":
    main()

__all__ = ["EXIT_SKIPPED", "PathArg", "cli", "json_option", "main", "query_options"]
