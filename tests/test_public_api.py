"""The public API: every exported name resolves, and importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import nlp


def test_every_exported_name_resolves():
    for name in nlp.__all__:
        assert getattr(nlp, name) is not None, name


def test_import_does_not_load_heavy_libraries():
    code = (
        "import sys, nlp; "
        "print(sorted(m for m in ('torch', 'sklearn', 'spacy', 'sentence_transformers', "
        "'pandas', 'datasets', 'onnxruntime', 'tokenizers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
