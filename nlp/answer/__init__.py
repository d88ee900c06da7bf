"""Answer: read a question into a frame, match it against the statements of the retrieved clauses,
and give a verdict (by the verdict table) with its reason code and citations. A slot the ontology
does not settle may match a statement's free-text phrase by closeness in meaning
(:class:`PhraseSimilarity`, over the retrieval encoder, above a threshold measured on train)."""

from nlp.answer.decision import Matcher, VerdictTable, load_verdict_table
from nlp.answer.patterns import QuestionPatterns, load_question_patterns
from nlp.answer.reader import Question, Slot, company_names, parse_question, retrieval_query
from nlp.answer.similarity import PhraseSimilarity
from nlp.answer.topics import decide_topic
from nlp.answer.verdict import answer_question, lead_in_of, lead_ins

__all__ = [
    "Matcher",
    "PhraseSimilarity",
    "Question",
    "QuestionPatterns",
    "Slot",
    "VerdictTable",
    "answer_question",
    "company_names",
    "lead_in_of",
    "lead_ins",
    "decide_topic",
    "load_question_patterns",
    "load_verdict_table",
    "parse_question",
    "retrieval_query",
]
