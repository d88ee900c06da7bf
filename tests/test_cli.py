"""The command line: help everywhere, one-line errors, stable JSON, no network."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.cli import cli, main

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str]) -> tuple[int, str, str]:
    """Run the console entry point in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:
            code = 0
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(
        "POLICYLENS_EMBED__CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cli-cache")
    )


def test_every_command_has_help_with_an_example():
    for name, command in cli.commands.items():
        assert command.help, name
        assert "Example:" in command.help, name
        code, out, _ = run([name, "--help"])
        assert code == 0
        assert "Usage:" in out


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("empty.txt", b"", "empty"),
        ("blob.txt", bytes(range(256)) * 8, "binary"),
        ("policy.docx", b"We collect data.", "unsupported file type"),
    ],
)
def test_bad_input_is_one_line_on_stderr(tmp_path, name, content, needle):
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run(["segment", str(path)])
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("policylens: error:")
    assert needle in lines[0].lower()
    assert "Traceback" not in err


def test_missing_file_is_a_clear_error(tmp_path):
    code, _, err = run(["ask", "Do you sell data?", "--policy", str(tmp_path / "nope.txt")])
    assert code == 1
    assert "nope.txt" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["segment", "{dir}"],
        ["compare", "{dir}", "{file}"],
        ["ask", "Do you sell data?", "--policy", "{dir}"],
        ["classify", "{file}", "--output", "{dir}"],
        ["train", "--data-dir", "{file}"],
        ["serve", "--db", "{dir}"],
    ],
    ids=["segment", "compare", "ask", "classify-output", "train-data-dir", "serve-db"],
)
def test_a_folder_where_a_file_is_wanted_is_bad_input(tmp_path, args):
    (tmp_path / "p.txt").write_text("We collect your e-mail address.")
    argv = [a.format(dir=tmp_path, file=tmp_path / "p.txt") for a in args]
    code, out, err = run(argv)
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("policylens: error:"), err
    assert "folder" in lines[0] and str(tmp_path) in lines[0]


def test_an_unreadable_file_is_bad_input(tmp_path, monkeypatch):
    path = tmp_path / "p.txt"
    path.write_text("We collect your e-mail address.")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: str(p) != str(path) and real(p, mode))
    code, _, err = run(["segment", str(path)])
    assert code == 1
    assert err.strip() == f"policylens: error: {path} cannot be read (permission denied)"


def test_usage_error_exits_2():
    code, _, err = run(["ask"])
    assert code == 2
    assert "Missing argument" in err


def test_segment_json_lines_map_back_to_offsets(seed_path):
    code, out, _ = run(["segment", str(seed_path), "--json"])
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["version"] for r in rows} == {"2020-02-27", "2019-01-17"}
    assert all({"clause_id", "policy", "section", "start", "end", "text"} <= set(r) for r in rows)


@pytest.mark.slow
def test_ask_json_shape(seed_path):
    code, out, err = run(["ask", "Is my data sent to China?", "--json"])
    assert code == 0, err
    d = json.loads(out)
    # issue 11 adds the decision's reason code; the rest of the documented shape stays.
    assert list(d) == ["question", "policy", "version", "verdict", "answer", "reason", "citations"]
    assert d["verdict"] == "yes" and d["reason"] == "stated"
    assert d["version"] == "2020-02-27"
    c = d["citations"][0]
    assert list(c) == ["clause_id", "section", "text", "score", "start", "end"]
    assert "China" in c["text"]


@pytest.mark.slow
def test_no_network_connection_is_attempted(tmp_path):
    """The real CLI, with HF offline variables unset, never opens a socket to anywhere."""
    guard = (
        "import socket, sys\n"
        "def _deny(*a, **k):\n"
        "    sys.stderr.write('NETWORK ATTEMPT %r\\n' % (a[1:] or a,))\n"
        "    raise OSError('network disabled by test')\n"
        "socket.socket.connect = _deny\n"
        "socket.socket.connect_ex = _deny\n"
        "socket.create_connection = _deny\n"
        "socket.getaddrinfo = _deny\n"
        "from nlp.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env["POLICYLENS_EMBED__CACHE_DIR"] = str(tmp_path / "cache")
    proc = subprocess.run(
        [sys.executable, "-c", guard, "ask", "Is my data sent to China?", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert "NETWORK ATTEMPT" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["verdict"] == "yes"


def test_segment_loads_no_model(tmp_path, data_dir):
    """`policylens segment` on a cold cache imports no torch, no onnxruntime, no classifier."""
    probe = (
        "import sys\n"
        "from nlp.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "finally:\n"
        "    heavy = ('torch', 'sentence_transformers', 'sklearn', 'onnxruntime', 'tokenizers',\n"
        "             'spacy')\n"
        "    sys.stderr.write('LOADED %s\\n' % sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "POLICYLENS_EMBED__CACHE_DIR": str(tmp_path / "cold-cache")}
    proc = subprocess.run(
        [sys.executable, "-c", probe, "segment", str(data_dir / "quillnote.md"), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "LOADED []" in proc.stderr, proc.stderr[-2000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows and all(r["labels"] == [] for r in rows)


def test_help_imports_no_model_library():
    """`policylens --help` (and a command's help) import neither torch nor onnxruntime."""
    probe = (
        "import sys\n"
        "from nlp.cli import main\n"
        "for args in (['--help'], ['ask', '--help'], ['train', '--help']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('torch', 'sentence_transformers', 'onnxruntime', 'tokenizers', 'sklearn')\n"
        "sys.stderr.write('LOADED %s\\n' % sorted(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "LOADED []" in proc.stderr, proc.stderr[-2000:]
    assert "--encoder" in proc.stdout


def test_text_dropped_as_debris_is_said_on_stderr(tmp_path):
    # A page that is mostly a navigation menu: what is dropped as debris is announced, not silent.
    menu = "\n\n".join(["Home | Products | Careers | Press | Blog | Help"] * 40)
    path = tmp_path / "mostly-menu.txt"
    path.write_text(f"{menu}\n\nWe collect your e-mail address when you sign up.\n", "utf-8")
    code, out, err = run(["segment", str(path)])
    assert code == 0
    assert "e-mail address" in out
    assert err.startswith("policylens: warning: mostly-menu:")
    assert "removed as page debris" in err


def test_the_base_install_answers_without_training_or_research_libraries(tmp_path, data_dir):
    """`ask` and `classify -o rows.jsonl` run with the libraries of the extras unimportable (the
    base install has none of them); a Parquet output says which extra brings it."""
    blocked = ("torch", "sentence_transformers", "sklearn", "pandas", "pyarrow", "datasets",
               "spacy", "fsspec", "ray")
    probe = (
        "import sys\n"
        f"for name in {blocked!r}:\n"
        "    sys.modules[name] = None\n"
        "from nlp.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "POLICYLENS_EMBED__CACHE_DIR": str(tmp_path / "cache")}
    ask = subprocess.run(
        [sys.executable, "-c", probe, "ask", "Is my data sent to China?", "--json"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )
    assert ask.returncode == 0, ask.stderr[-2000:]
    assert json.loads(ask.stdout)["verdict"] == "yes"
    rows = subprocess.run(
        [sys.executable, "-c", probe, "classify", str(data_dir / "quillnote.md"),
         "-o", str(tmp_path / "rows.jsonl")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )
    assert rows.returncode == 0, rows.stderr[-2000:]
    assert (tmp_path / "rows.jsonl").read_text(encoding="utf-8").strip()
    out = tmp_path / "rows.parquet"
    parquet = subprocess.run(
        [sys.executable, "-c", probe, "classify", str(data_dir / "quillnote.md"), "-o", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )
    assert parquet.returncode != 0
    assert 'pip install "policylens[research]"' in parquet.stderr, parquet.stderr[-2000:]
    assert "Traceback" not in parquet.stderr
