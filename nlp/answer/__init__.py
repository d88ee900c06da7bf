"""Answer: read a question, weigh the retrieved clauses, and give a verdict with its citations."""

from nlp.answer.verdict import Question, answer_question, parse_question

__all__ = ["Question", "answer_question", "parse_question"]
