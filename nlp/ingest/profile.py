"""What a parsed policy is: the language of each version and how likely it is a privacy policy.

Runs last in ingest, on the clean text: :func:`nlp.detect.detect_language` per version (the
shares of a mixed one kept), :class:`nlp.detect.PolicyDetector` on the latest version, and a
warning for each thing a reader should know before trusting labels and answers (a language the
models were not trained on, a document that does not read like a privacy policy).
"""

from __future__ import annotations

import dataclasses

from nlp.config import IngestSettings
from nlp.detect import detect_language, language_name, load_policy_detector
from nlp.types import Policy

__all__ = ["language_warning", "profile_policy"]


def language_warning(language: str, settings: IngestSettings, *, label: str) -> str:
    """What a reader is told about a policy in ``language``, one the models were not trained on."""
    trained = ", ".join(language_name(c) for c in settings.model_languages)
    return (
        f"{label!r} is in {language_name(language)} ({language}); the classifier and the answer "
        f"models were trained on {trained} only, so its labels and answers are unreliable"
    )


def profile_policy(policy: Policy, settings: IngestSettings, *, label: str) -> Policy:
    """``policy`` with languages, ``language_supported``, ``policy_score`` and their warnings."""
    versions = []
    for v in policy.versions:
        guess = detect_language(v.text)
        shares = tuple((c, s) for c, s in guess.shares if s >= settings.mixed_language_share)
        versions.append(dataclasses.replace(v, language=guess.code, languages=shares))
    warnings = list(policy.warnings)
    latest = versions[0]
    supported = not latest.language or latest.language in settings.model_languages
    if not supported:
        warnings.append(language_warning(latest.language, settings, label=label))
    elif len(latest.languages) > 1:
        mix = ", ".join(f"{language_name(c)} {s:.0%}" for c, s in latest.languages)
        warnings.append(f"{label!r} mixes languages ({mix}); clauses carry a language each")
    detector = load_policy_detector(settings.policy_model)
    score = None
    if detector is not None and detector.scores_language(latest.language):
        score = round(detector.score(latest.text), 4)
    if score is not None and score < settings.warn_policy_score:
        warnings.append(
            f"{label!r} does not read like a privacy policy (policy score {score:.2f}); check "
            "that the file is the policy itself and not a home, help, terms or error page"
        )
    return dataclasses.replace(
        policy,
        versions=tuple(versions),
        warnings=tuple(warnings),
        policy_score=score,
        language_supported=supported,
    )
