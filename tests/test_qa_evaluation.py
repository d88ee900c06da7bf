"""``evaluate_rows``: the lay-question scores (verdicts, citations, retrieval ranks, misses)."""

from __future__ import annotations

from pathlib import Path

from nlp.answer.evaluation import evaluate_rows, format_qa_report
from nlp.types import Answer, Citation, ScoredClause

CLAUSES = {
    "c0": "We use cookies on our pages.",
    "c1": "We keep your data for 30 days after you close your account.",
    "c2": "We never sell your personal information.",
}


def _citation(cid: str) -> Citation:
    return Citation(cid, "p", "v", "", CLAUSES[cid], 1.0, 0, len(CLAUSES[cid]))


def _answer(question: str, verdict: str, cited: list[str], order: list[str]) -> Answer:
    scored = tuple(ScoredClause(cid, rank, 0.5, 0.5) for rank, cid in enumerate(order))
    return Answer(question, "p", "v", verdict, "", tuple(_citation(c) for c in cited),  # type: ignore[arg-type]
                  reason="stated", scored=scored)


ROWS = [
    {"id": "q1", "policy": "x.md", "question": "how long do you keep my data?", "verdict": "info",
     "phrases": ["30 days"]},
    {"id": "q2", "policy": "x.md", "question": "do you sell my data?", "verdict": "no",
     "phrases": ["never sell"]},
    {"id": "q3", "policy": "x.md", "question": "do you read my mail?", "verdict": "not_stated",
     "phrases": []},
]

ANSWERS = {
    # right verdict; the answering clause is cited second and was ranked second by retrieval
    "q1": _answer("q1", "info", ["c0", "c1"], ["c0", "c1", "c2"]),
    # wrong verdict; not cited although retrieval ranked it third
    "q2": _answer("q2", "yes", ["c0"], ["c0", "c1", "c2"]),
    "q3": _answer("q3", "not_stated", [], ["c0"]),
}


def test_scores_verdicts_citations_and_retrieval_ranks(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text("policy", encoding="utf-8")
    report = evaluate_rows(
        ROWS, load=lambda path: "p", ask=lambda q, pid: ANSWERS[next(
            r["id"] for r in ROWS if r["question"] == q)],
        datasets=tmp_path, clause_texts=lambda pid: CLAUSES,
    )
    assert report["questions"] == 3 and report["skipped"] == 0
    assert report["verdict_accuracy"] == 66.7
    assert report["cited_at_1"] == 0.0 and report["cited_at_3"] == 50.0
    assert report["retrieved_at"] == {"1": 0.0, "3": 100.0, "5": 100.0, "10": 100.0, "20": 100.0}
    assert report["confusion"]["no"]["yes"] == 1
    assert [m["id"] for m in report["misses"]] == ["q2"]
    text = format_qa_report(report)
    assert "@3 100.0%" in text and "cited@3 50.0%" in text


def test_a_missing_policy_file_is_skipped_and_no_ranks_without_clause_texts(tmp_path: Path) -> None:
    report = evaluate_rows(ROWS, load=lambda path: "p", ask=lambda q, pid: ANSWERS["q3"],
                           datasets=tmp_path)
    assert report["questions"] == 0 and report["skipped"] == 3
    assert report["retrieved_at"] == {}


def test_the_tuning_split_is_the_train_questions_of_the_policies_the_encoder_never_saw() -> None:
    from nlp.answer.evaluation import load_questions
    from nlp.embed.training.pairs import read_split

    fold = set(read_split()["tuning"]["lay"])
    tuning = load_questions(None, "tuning")
    train = load_questions(None, "train")
    assert tuning and {r["policy"] for r in tuning} == fold
    assert all(r["split"] == "train" for r in tuning) and len(tuning) < len(train)
    # No validation or seed policy is in it.
    others = {r["policy"] for r in load_questions(None, "all") if r["split"] != "train"}
    assert not fold & others
