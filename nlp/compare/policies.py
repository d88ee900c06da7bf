"""Whole policies: compare two policies (or two versions of one) in a lens, or read from files.

Nothing here reads, encodes or labels by itself: the caller hands in the functions that do (the
facade ``PolicyLens.compare`` passes its own), so comparing needs no model it does not use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from nlp.compare.align import compare_versions
from nlp.compare.report import CHANGE_KINDS, Comparison, change_labels
from nlp.config import CompareSettings
from nlp.errors import InputError, NotFoundError
from nlp.types import Clause, Policy

__all__ = ["LabelFn", "ParseFn", "compare_files", "compare_policies"]

#: Clauses in, the same clauses with ``labels`` set out (e.g. ``PolicyLens.label``).
LabelFn = Callable[[Sequence[Clause]], list[Clause]]


class ParseFn(Protocol):
    """Reads a policy file into its policy and clauses (e.g. ``PolicyLens.parse``)."""

    def __call__(
        self, path: str | Path, *, policy_id: str | None = None
    ) -> tuple[Policy, list[Clause]]: ...


def compare_policies(
    lens: Any,
    old_policy: str,
    new_policy: str | None = None,
    *,
    old_version: str | None = None,
    new_version: str | None = None,
    settings: CompareSettings | None = None,
    classifier: Any | None = None,
) -> Comparison:
    """Compare two policies loaded in a ``PolicyLens`` (or two versions of one).

    With ``new_policy`` ``None`` the two versions are of ``old_policy``: by default its second
    most recent (old) and most recent (new) ones. Otherwise each side defaults to its latest
    version. Clauses are labelled by the lens's classifier, or by ``classifier`` (a fitted
    ``ClauseClassifier``) when given and they carry no labels yet, so the report is per category.

    >>> from nlp import PolicyLens
    >>> lens = PolicyLens(encoder=encoder, classifier=None)
    >>> lens.load("corpora/000_ce4448d9c54926ad.txt").id
    '000-ce4448d9c54926ad'
    >>> compare_policies(lens, "000-ce4448d9c54926ad").old_version
    '2019-01-17'
    """
    settings = settings or getattr(getattr(lens, "settings", None), "compare", None)
    if new_policy is None:
        policy = lens.policy(old_policy)
        if old_version is None and new_version is None:
            new_version, old_version = _two_newest(policy)
        new_policy = old_policy
    # The report is per category: the lens labels what it has not labelled yet (when it has a
    # classifier; loading a policy no longer labels it).
    old = lens.clauses(old_policy, old_version, labels=True)
    new = lens.clauses(new_policy, new_version, labels=True)
    if classifier is not None:
        old, new = (
            _with_labels(old, classifier, lens.encoder),
            _with_labels(new, classifier, lens.encoder),
        )
    return compare_versions(old, new, lens.encoder, settings)


def _two_newest(policy: Policy) -> tuple[str, str]:
    """The labels of the newest and second newest versions of ``policy``."""
    if len(policy.versions) < 2:
        raise InputError(
            f"policy {policy.id!r} holds a single version; give a second policy to compare it with"
        )
    return policy.versions[0].label, policy.versions[1].label


def _with_labels(clauses: list[Clause], classifier: Any, encoder: Any) -> list[Clause]:
    """Label the clauses that have no labels yet, by ``classifier.label_clauses``."""
    todo = [i for i, c in enumerate(clauses) if not c.labels]
    if not todo:
        return clauses
    labelled = classifier.label_clauses([clauses[i] for i in todo], encoder)
    out = list(clauses)
    for i, c in zip(todo, labelled, strict=True):
        out[i] = c
    return out


def compare_files(
    old_path: str | Path,
    new_path: str | Path | None = None,
    *,
    parse: ParseFn,
    encoder: Any,
    label: LabelFn | None = None,
    label_kinds: Collection[str] = CHANGE_KINDS,
    old_version: str | None = None,
    new_version: str | None = None,
    settings: CompareSettings | None = None,
) -> Comparison:
    """Read one or two policy files and compare them (``policylens compare``).

    With one file, its two most recent versions are compared (older -> newer); with two, the
    latest version of ``old_path`` against the latest of ``new_path`` (unless versions are named).

    Parameters
    ----------
    parse:
        Reads a file into its policy and clauses, ``parse(path, policy_id=None)``
        (``PolicyLens.parse``).
    encoder:
        Anything with ``encode(texts, *, batch_size=None, normalize=True)``; used only for clauses
        whose normalised wording has no equal on the other side.
    label:
        Sets the clauses' category labels (``PolicyLens.label``), called once per policy with all
        its clauses; ``None`` leaves them unlabelled (categories read ``"unlabelled"``).
    label_kinds:
        Label only when the comparison holds a change of one of these kinds (e.g. a report of
        substantive changes needs no categories when nothing changed); default every kind.
    settings:
        ``CompareSettings``: weights and thresholds of the alignment.

    >>> from nlp import PolicyLens
    >>> lens = PolicyLens(encoder=encoder, classifier=None)
    >>> cmp = compare_files("corpora/000_ce4448d9c54926ad.txt", parse=lens.parse, encoder=encoder)
    >>> (cmp.old_version, cmp.new_version)
    ('2019-01-17', '2020-02-27')
    """
    if new_path is None:
        policy, clauses = parse(old_path)
        if old_version is None and new_version is None:
            new_version, old_version = _two_newest(policy)
        sides = [(policy, clauses)]
        old = _of_version(policy, clauses, old_version)
        new = _of_version(policy, clauses, new_version)
    else:
        from nlp.ingest import policy_ids

        # Two files of one name ("Instagram/Privacy Policy.md", "Threads/Privacy Policy.md") get
        # distinct ids, so the second does not replace the first.
        pa, pb = Path(old_path), Path(new_path)
        ids = policy_ids([pa, pb])
        a_id, b_id = ids[pa], ids[pb]
        sides = [parse(pa, policy_id=a_id), parse(pb, policy_id=b_id)]
        old = _of_version(*sides[0], old_version)
        new = _of_version(*sides[1], new_version)
    cmp = compare_versions(old, new, encoder, settings)
    if label is None or not any(ch.kind in label_kinds for ch in cmp.changes):
        return cmp
    # The alignment never reads labels, so labelling after it gives the same comparison; each
    # policy is labelled whole, in one call, as loading it into a lens would.
    labelled: dict[Clause, Clause] = {}
    for _, clauses in sides:
        labelled.update(zip(clauses, label(clauses), strict=True))
    return _relabel(cmp, labelled)


def _of_version(policy: Policy, clauses: Sequence[Clause], version: str | None) -> list[Clause]:
    """The clauses of one version of ``policy`` (the latest when ``version`` is ``None``)."""
    try:
        wanted = policy.version(version).label
    except KeyError as exc:
        raise NotFoundError(str(exc.args[0])) from None
    return [c for c in clauses if c.version == wanted]


def _relabel(cmp: Comparison, labelled: Mapping[Clause, Clause]) -> Comparison:
    """The same alignment with every clause replaced by its labelled self."""

    def swap(c: Clause) -> Clause:
        return labelled.get(c, c)

    changes = []
    for ch in cmp.changes:
        old = swap(ch.old) if ch.old is not None else None
        new = swap(ch.new) if ch.new is not None else None
        primary, other = (new, old) if new is not None else (old, None)
        assert primary is not None  # every change has a clause on one side at least
        changes.append(
            dataclasses.replace(
                ch,
                old=old,
                new=new,
                old_extra=tuple(swap(c) for c in ch.old_extra),
                new_extra=tuple(swap(c) for c in ch.new_extra),
                labels=change_labels(primary, other),
            )
        )
    return dataclasses.replace(cmp, changes=tuple(changes))
