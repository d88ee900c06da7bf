"""policylens: privacy policies as people find them, cut into cited clauses and answered."""

from nlp.config import Settings
from nlp.types import Answer, Citation, Clause, Hit, Policy, PolicyVersion, Prediction

__all__ = [
    "Answer",
    "Citation",
    "Clause",
    "Hit",
    "Policy",
    "PolicyVersion",
    "Prediction",
    "Settings",
]
