"""policylens: privacy policies as people find them, cut into cited clauses and answered."""

from nlp.answer import answer_question, parse_question
from nlp.config import Settings
from nlp.errors import InputError, ModelError, NotFoundError, PolicylensError
from nlp.pipeline import PolicyLens
from nlp.types import Answer, Citation, Clause, Hit, Policy, PolicyVersion, Prediction

__all__ = [
    "Answer",
    "Citation",
    "Clause",
    "Hit",
    "InputError",
    "ModelError",
    "NotFoundError",
    "Policy",
    "PolicyLens",
    "PolicylensError",
    "PolicyVersion",
    "Prediction",
    "Settings",
    "answer_question",
    "parse_question",
]
