"""The practices stage's fast paths give what the plain ones give.

Statement extraction memoises and indexes (lemmas per word, ontology phrases and condition cues by
their first word, the tagger's feature indices per template value, Viterbi over all sentences at
once). Each check here runs the fast path beside a plain reference on the same input.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.ingest import load_policy
from nlp.practices import (
    Patterns,
    PracticeTagger,
    StatementExtractor,
    load_ontology,
    load_patterns,
)
from nlp.practices.ontology import match_lemma
from nlp.practices.rules import DEFAULT_PATTERNS
from nlp.practices.tagger import _prev_features, _viterbi_many
from nlp.practices.tokens import lemma, tokenize
from nlp.segment import segment_policy, split_sentences

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpora" / "000_ce4448d9c54926ad.txt"
MODEL = ROOT / "models" / "practices"

SENTENCES = [
    "We do not sell your personal information, but we share your email address with advertisers.",
    "We may disclose your IP address and device identifiers to analytics providers unless you "
    "opt out.",
    "Cookies",
    "",
    "If required by law, we will retain your data for two years.",
    "You have the right to access, correct or delete your information.",
    "We use tracking technologies such as cookies and web beacons; they collect browsing history.",
]


@pytest.fixture(scope="module")
def seed_sentences() -> list[str]:
    clauses = segment_policy(load_policy(SEED))
    return [c.text[a:b] for c in clauses for a, b in split_sentences(c.text)]


def test_tokens_carry_the_lemma_of_their_word(seed_sentences):
    for text in [*SENTENCES, *seed_sentences[:200]]:
        for tok in tokenize(text, 7):
            assert tok.lemma == lemma(tok.text)
            assert text[tok.start - 7 : tok.end - 7] == tok.text


def _longest_matches(onto, tokens, vocabulary):
    """Longest-first surface matching trying every length at every token (no index); a word
    no phrase opens may still be a form in capitals ("US")."""
    from nlp.practices.ontology import _in_capitals

    phrases, longest = onto._phrases[vocabulary], onto._longest[vocabulary]
    cased = onto._cased[vocabulary]
    lemmas = [match_lemma(t) for t in tokens]
    found, i = [], 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            node = phrases.get(tuple(lemmas[i : i + n]))
            if node is not None:
                found.append((i, i + n, node))
                i += n
                break
        else:
            if tokens[i].text in cased and not _in_capitals(tokens, i):
                found.append((i, i + 1, cased[tokens[i].text]))
            i += 1
    return found


def test_indexed_ontology_matching_equals_trying_every_length(seed_sentences):
    onto = load_ontology()
    for text in [*SENTENCES, *seed_sentences]:
        tokens = tokenize(text)
        for vocabulary in ("data_types", "recipients", "purposes", "places", "audience"):
            assert onto.match_tokens(tokens, vocabulary) == _longest_matches(
                onto, tokens, vocabulary)
            assert onto.match_in(text, tokens, vocabulary) == onto.match(text, vocabulary)


class _EveryCue(dict):
    """A first-word index that offers every cue at every token: the search without the index."""

    def __init__(self, cues):
        super().__init__()
        self.cues = cues

    def get(self, key, default=None):
        return self.cues


def test_indexed_condition_cues_equal_trying_every_cue(seed_sentences):
    patterns = load_patterns()
    plain = Patterns(json.loads(DEFAULT_PATTERNS.read_text(encoding="utf-8")))
    plain._conditions_by_first = _EveryCue(plain.conditions)
    for text in [*SENTENCES, *seed_sentences]:
        tokens = tokenize(text)
        assert patterns.condition(tokens, text) == plain.condition(tokens, text)


def test_extractor_spans_from_shared_tokens_equal_fresh_matching(seed_sentences):
    ex = StatementExtractor()
    for text in [*SENTENCES, *seed_sentences[:300]]:
        a = min(3, len(text))
        tokens = tokenize(text[a:], a)
        for vocabulary in ("data_types", "recipients", "purposes", "places"):
            assert ex._spans(text, a, len(text), vocabulary, tokens) == ex._spans(
                text, a, len(text), vocabulary)


def _viterbi_one(scores: np.ndarray) -> list[int]:
    """One sentence's best path, one numpy step per token."""
    n = scores.shape[0]
    if n == 0:
        return []
    best = scores[0, 0].copy()
    back = np.zeros((n, scores.shape[2]), dtype=np.int64)
    for i in range(1, n):
        cand = best[:, None] + scores[i, 1:]
        back[i] = cand.argmax(axis=0)
        best = cand.max(axis=0)
    path = [int(best.argmax())]
    for i in range(n - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return path[::-1]


def test_viterbi_of_all_sentences_at_once_equals_one_at_a_time():
    rng = np.random.default_rng(3)
    lengths = np.array([0, 1, 5, 2, 0, 17, 3, 1], dtype=np.int64)
    scores = rng.normal(size=(int(lengths.sum()), 4, 3)).astype(np.float32)
    scores[3:5] = 0.0  # ties: the first best tag wins in both
    paths = _viterbi_many(scores, lengths)
    pos = 0
    for n, path in zip(lengths, paths, strict=True):
        assert path == _viterbi_one(scores[pos : pos + n])
        pos += n
    assert _viterbi_many(scores[:0], np.zeros(0, dtype=np.int64)) == []


def test_tagger_feature_indices_equal_hashing_the_feature_strings(seed_sentences):
    tagger = PracticeTagger.load(MODEL)
    sentences = [tokenize(t) for t in [*SENTENCES, *seed_sentences[:300]]]
    prev_tags = ("<s>", *tagger.classes_)
    for _ in range(2):  # the second pass reads the memos the first one filled
        indices, indptr, prev = tagger._hashed(sentences, prev_tags)
        flat = [f for sent in tagger._features(sentences) for f in sent]
        want_indices, want_indptr = tagger._indices(flat)
        assert np.array_equal(indices, want_indices) and np.array_equal(indptr, want_indptr)
        want_prev = np.array([[[tagger._hash(x) for x in _prev_features(pt, f)]
                               for pt in prev_tags] for f in flat], dtype=np.int64)
        assert np.array_equal(prev, want_prev.reshape(prev.shape))


def test_remembered_tagger_spans_equal_tagging_afresh(seed_sentences):
    tagger = PracticeTagger.load(MODEL)
    texts = [*SENTENCES, *seed_sentences[:120]]
    first = tagger.find_spans(texts[:60])
    again = tagger.find_spans(texts[::-1] + texts[:5])  # remembered and new, reordered, repeated
    fresh = PracticeTagger.load(MODEL)._find_spans(texts)
    assert first == fresh[:60]
    assert again == fresh[::-1] + fresh[:5]
    again[0].append((0, 0))  # a caller's list is its own
    assert tagger.find_spans(texts[-1:]) == fresh[-1:]
    tagger.o_bias += 2.0  # another model state: nothing remembered from the old one is returned
    assert tagger.find_spans(texts) == tagger._find_spans(texts)
    assert tagger.find_spans(texts) != fresh


def test_indexed_scope_cues_equal_trying_every_cue(seed_sentences):
    patterns = load_patterns()
    plain = Patterns(json.loads(DEFAULT_PATTERNS.read_text(encoding="utf-8")))
    plain._conditions_by_first = _EveryCue(plain.conditions)
    plain._fronted_first = None  # every word may open a fronted condition
    plain.scope._predicates_by_first = _EveryCue(plain.scope.predicates)
    texts = [*SENTENCES, "When you sign up, we collect your name.",
             "We are restricted from selling your data.", *seed_sentences]
    for text in texts:
        tokens = tokenize(text)
        conds = patterns.condition_spans(tokens)
        assert conds == plain.condition_spans(tokens)
        hits = patterns.verb_hits(tokens)
        assert patterns.scope.read(tokens, hits, conds) == plain.scope.read(tokens, hits, conds)
