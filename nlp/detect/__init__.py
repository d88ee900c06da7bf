"""Detect: what a document is, before anything reads it as a privacy policy.

:func:`detect_language` names the language of a text and every language a mixed one is written
in (CLD2, offline, any script); :class:`PolicyDetector` scores how likely a document is a privacy
policy at all (a linear model on hashed n-grams, :mod:`nlp.detect.training` trains it). Ingest
calls both for every policy it reads: ``PolicyVersion.language``, ``Policy.policy_score``.
"""

from nlp.detect.language import LanguageGuess, detect_language, language_name
from nlp.detect.policy import PolicyDetector, document_features, load_policy_detector

__all__ = [
    "LanguageGuess",
    "PolicyDetector",
    "detect_language",
    "document_features",
    "language_name",
    "load_policy_detector",
]
