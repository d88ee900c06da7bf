"""policylens: privacy policies as people find them, cut into cited clauses and answered."""

# Every public name is imported from its stage on first use (PEP 562), so that `import nlp`, the
# CLI's `--help` and `policylens segment` load only the modules they need.
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "BatchClassifier": "nlp.research.batch",
    "ClauseClassifier": "nlp.classify.model",
    "ClauseIndex": "nlp.retrieval.index",
    "Encoder": "nlp.embed",
    "PolicyService": "nlp.service.service",
    "SQLiteStore": "nlp.service.store",
    "label_clauses": "nlp.classify.model",
    "load_classifier": "nlp.classify.model",
    "load_policy": "nlp.ingest",
    "parse_policy": "nlp.ingest",
    "route_question": "nlp.retrieval.routing",
    "segment_policy": "nlp.segment",
    "segment_version": "nlp.segment",
    "CLAUSE_COLUMNS": "nlp.research.corpus",
    "ClauseChange": "nlp.compare",
    "Comparison": "nlp.compare",
    "Corpus": "nlp.research.corpus",
    "SkippedFile": "nlp.research.corpus",
    "compare_files": "nlp.compare",
    "compare_policies": "nlp.compare",
    "compare_versions": "nlp.compare",
    "coverage_matrix": "nlp.research.corpus",
    "find_mentions": "nlp.research.corpus",
    "flow_summary": "nlp.research.practices",
    "PRACTICE_COLUMNS": "nlp.research.practices",
    "load_corpus": "nlp.pipeline",
    "Answer": "nlp.types",
    "Citation": "nlp.types",
    "Clause": "nlp.types",
    "ClauseQuery": "nlp.types",
    "Hit": "nlp.types",
    "ConflictError": "nlp.errors",
    "InputError": "nlp.errors",
    "ModelError": "nlp.errors",
    "NotFoundError": "nlp.errors",
    "PayloadTooLargeError": "nlp.errors",
    "Policy": "nlp.types",
    "PolicyLens": "nlp.pipeline",
    "PolicylensError": "nlp.errors",
    "PolicyVersion": "nlp.types",
    "Prediction": "nlp.types",
    "Prepared": "nlp.types",
    "Statement": "nlp.types",
    "Settings": "nlp.config",
    "StoreError": "nlp.errors",
    "UnsupportedFormatError": "nlp.errors",
    "answer_question": "nlp.answer",
    "parse_question": "nlp.answer",
    # Deprecated alias of Clause.contextual_text, kept so old imports still work.
    "clause_text_for_embedding": "nlp.embed",
}

if TYPE_CHECKING:
    from nlp.answer import (
        answer_question,
        parse_question,
    )
    from nlp.classify.model import (
        ClauseClassifier,
        label_clauses,
        load_classifier,
    )
    from nlp.compare import (
        ClauseChange,
        Comparison,
        compare_files,
        compare_policies,
        compare_versions,
    )
    from nlp.config import (
        Settings,
    )
    from nlp.embed import (
        Encoder,
    )
    from nlp.errors import (
        ConflictError,
        InputError,
        ModelError,
        NotFoundError,
        PayloadTooLargeError,
        PolicylensError,
        StoreError,
        UnsupportedFormatError,
    )
    from nlp.ingest import (
        load_policy,
        parse_policy,
    )
    from nlp.pipeline import (
        PolicyLens,
        load_corpus,
    )
    from nlp.research.batch import (
        BatchClassifier,
    )
    from nlp.research.corpus import (
        CLAUSE_COLUMNS,
        Corpus,
        SkippedFile,
        coverage_matrix,
        find_mentions,
    )
    from nlp.research.practices import (
        PRACTICE_COLUMNS,
        flow_summary,
    )
    from nlp.retrieval.index import (
        ClauseIndex,
    )
    from nlp.retrieval.routing import (
        route_question,
    )
    from nlp.segment import (
        segment_policy,
        segment_version,
    )
    from nlp.service.service import (
        PolicyService,
    )
    from nlp.service.store import (
        SQLiteStore,
    )
    from nlp.types import (
        Answer,
        Citation,
        Clause,
        ClauseQuery,
        Hit,
        Policy,
        PolicyVersion,
        Prediction,
        Prepared,
        Statement,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nlp' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    if name != "clause_text_for_embedding":  # the deprecated alias warns on every use
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "BatchClassifier",
    "ClauseClassifier",
    "ClauseIndex",
    "Encoder",
    "PolicyService",
    "SQLiteStore",
    "label_clauses",
    "load_classifier",
    "load_policy",
    "parse_policy",
    "route_question",
    "segment_policy",
    "segment_version",
    "CLAUSE_COLUMNS",
    "ClauseChange",
    "Comparison",
    "Corpus",
    "SkippedFile",
    "compare_files",
    "compare_policies",
    "compare_versions",
    "coverage_matrix",
    "find_mentions",
    "flow_summary",
    "load_corpus",
    "PRACTICE_COLUMNS",
    "Answer",
    "Citation",
    "Clause",
    "ClauseQuery",
    "Hit",
    "ConflictError",
    "InputError",
    "ModelError",
    "NotFoundError",
    "PayloadTooLargeError",
    "Policy",
    "PolicyLens",
    "PolicylensError",
    "PolicyVersion",
    "Prediction",
    "Prepared",
    "Settings",
    "Statement",
    "StoreError",
    "UnsupportedFormatError",
    "answer_question",
    "parse_question",
]
