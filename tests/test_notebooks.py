"""The notebooks run top to bottom against the bundled data (never ../shared), so they cannot rot."""

from __future__ import annotations

import base64
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _run(name: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Execute a notebook in its folder with the bundled data; return all its text output."""
    monkeypatch.setenv("POLICYLENS_NOTEBOOK_DATA", "bundled")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    texts = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out["text"])
            elif "data" in out:
                texts.append(out["data"].get("text/plain", ""))
    return "\n".join(texts)


@pytest.mark.slow
def test_quickstart_answers_the_seed_questions(monkeypatch):
    out = _run("01_quickstart.ipynb", monkeypatch)
    assert "shared datasets: not used" in out
    assert "Q: Is my data sent to China?\n   YES" in out
    assert "such as the United States and China" in out
    assert "Q: Is my data sent to Brazil?\n   NOT_STATED" in out


@pytest.mark.slow
def test_versions_notebook_reports_the_seed_changes(monkeypatch):
    out = _run("02_versions.ipynb", monkeypatch)
    assert "2019-01-17 -> 2020-02-27" in out
    assert "F. MINORS" in out and "G. SECURITY MEASURES" in out
    assert "two versions only" in out  # the bundled data has no third version


@pytest.mark.slow
def test_platforms_notebook_runs_on_the_bundled_corpus(monkeypatch):
    out = _run("03_platforms.ipynb", monkeypatch)
    assert "Corpus(3 policies, 1 skipped)" in out
    assert "skipped: broken.pdf" in out
    assert "lumenchat" in out and "kitemail" in out
    assert "state sharing precise location or contacts with advertisers" in out
    # The data-type x recipient table: lumenchat shares device identifiers with advertisers.
    heat = out[out.index("recipient ") :]
    assert "advertisers" in heat and "identifiers" in heat
    # Retention compared: kitemail states 90 days, lumenchat 30.
    kept = out[out.index("clauses per retention kind") :]
    assert "kitemail" in kept and "90" in kept and "30" in kept


def _png_sizes(book: dict) -> list[tuple[int, int, float | None]]:
    """Width, height and (when the PNG says) dots per inch of every figure a notebook shows."""
    sizes = []
    for cell in book["cells"]:
        for out in cell.get("outputs", []):
            raw = out.get("data", {}).get("image/png")
            if not raw:
                continue
            png = base64.b64decode(raw)
            width, height = struct.unpack(">II", png[16:24])
            at = png.find(b"pHYs")
            dpi = None
            if at > 0:
                ppm, _, unit = struct.unpack(">IIB", png[at + 4 : at + 13])
                dpi = ppm * 0.0254 if unit == 1 else None
            sizes.append((width, height, dpi))
    return sizes


@pytest.mark.slow
def test_nbconvert_executes_a_notebook_with_readable_figures(tmp_path):
    """`jupyter nbconvert --execute` works from the dev install, with the inline backend."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(POLICYLENS_NOTEBOOK_DATA="bundled", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    result = tmp_path / "02_versions.ipynb"
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         str(NOTEBOOKS / "02_versions.ipynb"), "--output", str(result)],
        cwd=NOTEBOOKS, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    book = nbformat.read(result, as_version=4)
    sizes = _png_sizes(book)
    assert len(sizes) >= 2, "the figures were not drawn"
    for width, _, dpi in sizes:
        assert width >= 900
        assert dpi is None or dpi >= 100
    text = "\n".join(o.get("text", "") for c in book.cells for o in c.get("outputs", []))
    assert "counted once, under the first" in text


def test_notebooks_import_only_the_public_api():
    import nlp

    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        book = nbformat.read(path, as_version=4)
        for cell in book.cells:
            if cell.cell_type != "code":
                continue
            for line in cell.source.splitlines():
                if line.startswith("from nlp"):
                    assert line.startswith("from nlp import "), (path.name, line)
                    names = line.removeprefix("from nlp import ").replace(",", " ").split()
                    assert set(names) <= set(nlp.__all__), (path.name, line)
                assert not line.startswith("import nlp."), (path.name, line)
