"""A learned span tagger: BIO tags per token from hashed token features, one model per task.

Each task (``COLLECT``, ``SHARE``, ``NOT_COLLECT``, ``NOT_SHARE`` of PI-Extract) is a multinomial
logistic regression over hashed features of a token and its neighbours: the words, their shapes,
whether the ontology names them, and the practice cue that governs them (the nearest cue before
and after, and whether a negation reaches that cue). Saved as JSON + ``.npz`` (no pickle).
"""

from __future__ import annotations

import json
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp.extras import require
from nlp.practices.ontology import Ontology, load_ontology
from nlp.practices.rules import Patterns, load_patterns
from nlp.practices.tokens import Token, tokenize

__all__ = ["PracticeTagger", "token_features", "bio_spans"]

_FORMAT = "policylens-practice-tagger/1"
_SPANS_MEMO = 100_000  # distinct sentences whose spans are remembered (then forgotten at once)


def _shape(word: str) -> str:
    out = []
    for ch in word[:6]:
        out.append("X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch)
    return "".join(out)


_Context = tuple[list[str], list[str], list[str], list[str], list[tuple[int, str]], list[str]]


def _context(tokens: Sequence[Token], ontology: Ontology, patterns: Patterns) -> _Context:
    """What a sentence's features read: lower-cased words, lemmas, ontology and recipient marks,
    the practice cues (position, cue) and the sentence's cue set."""
    n = len(tokens)
    low = [t.text.lower() for t in tokens]
    lem = [t.lemma for t in tokens]
    onto = ["O"] * n
    for a, b, nid in ontology.match_tokens(tokens, "data_types"):
        top = ontology.ancestors(nid, "data_types")[-1]
        for i in range(a, b):
            onto[i] = ("B-" if i == a else "I-") + top
    recip = ["O"] * n
    for a, b, _ in ontology.match_tokens(tokens, "recipients"):
        for i in range(a, b):
            recip[i] = "R"
    cue_at: list[tuple[int, str]] = []
    for hit in patterns.verb_hits(list(tokens)):
        neg = patterns.negated(list(tokens), hit.start, max(0, hit.start - 5))
        window = range(max(0, hit.start - 4), hit.start)
        if any(recip[j] == "R" for j in window):
            subject = "tp"
        elif any(low[j] in {"we", "us", "our"} for j in window):
            subject = "we"
        elif any(low[j] == "you" for j in window):
            subject = "you"
        else:
            subject = "none"
        cue_at.append((hit.start, f"{hit.practice}{':neg' if neg else ''}@{subject}"))
    sentence_cues = sorted({c.split(":")[0].split("@")[0] for _, c in cue_at})
    return low, lem, onto, recip, cue_at, sentence_cues


def token_features(
    tokens: Sequence[Token], ontology: Ontology, patterns: Patterns
) -> list[list[str]]:
    """The feature strings of every token of one sentence."""
    n = len(tokens)
    low, lem, onto, recip, cue_at, sentence_cues = _context(tokens, ontology, patterns)
    feats: list[list[str]] = []
    for i in range(n):
        f = [
            "b", f"w={low[i]}", f"l={lem[i]}", f"s={_shape(tokens[i].text)}",
            f"suf={low[i][-3:]}", f"o={onto[i]}", f"r={recip[i]}",
        ]
        for k in (-2, -1, 1, 2):
            j = i + k
            word = low[j] if 0 <= j < n else ("<s>" if j < 0 else "</s>")
            f.append(f"w{k}={word}")
            if 0 <= j < n:
                f.append(f"o{k}={onto[j][:2]}")
        f.append(f"bi-={lem[i - 1] if i else '<s>'}|{lem[i]}")
        f.append(f"bi+={lem[i]}|{lem[i + 1] if i + 1 < n else '</s>'}")
        before = [(p, c) for p, c in cue_at if p < i]
        after = [(p, c) for p, c in cue_at if p > i]
        if before:
            p, c = before[-1]
            f.append(f"cb={c}")
            f.append(f"cb={c}|d{min(i - p, 8) // 3}")
        else:
            f.append("cb=none")
        f.extend(f"sc={c}" for c in sentence_cues)
        if after:
            p, c = after[0]
            f.append(f"ca={c}")
            f.append(f"ca={c}|d{min(p - i, 8) // 3}")
        feats.append(f)
    return feats


def _prev_features(prev: str, feats: Sequence[str]) -> list[str]:
    """Features joining the tag before a token with the token's word and ontology mark."""
    # "w=..." and "o=..." (token_features' fixed order)
    return _prev_of(prev, feats[1], feats[5])


def _prev_of(prev: str, word: str, onto: str) -> list[str]:
    return [f"pt={prev}", f"pt={prev}|{word}", f"pt={prev}|{onto[:4]}"]


class _Hashes(dict[str, int]):
    """The hashed index of ``prefix + key``, computed the first time a key is read."""

    __slots__ = ("prefix", "hash")

    def __init__(self, prefix: str, hash_: Callable[[str], int]) -> None:
        super().__init__()
        self.prefix = prefix
        self.hash = hash_

    def __missing__(self, key: str) -> int:
        index = self.hash(self.prefix + key)
        if len(self) < 500_000:
            self[key] = index
        return index


def _viterbi_many(scores: np.ndarray, lengths: np.ndarray) -> list[list[int]]:
    """Best tag path of each sentence, all sentences stepped together.

    ``scores`` holds the sentences' tokens one after the other, ``scores[i, p, t]`` = log P(tag
    ``t`` at token ``i`` | tag ``p`` before; ``p = 0``: the sentence start), ``lengths`` their
    token counts. Position by position, every sentence still that long takes the same step a
    sentence alone would (the same additions, maxima and first-best ties), so the paths equal
    one-sentence Viterbi's; what is saved is a numpy call per token per sentence.
    """
    n_sent, n_tags = len(lengths), scores.shape[2]
    if n_sent == 0:
        return []
    starts = np.zeros(n_sent, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    longest = int(lengths.max())
    best = np.zeros((n_sent, n_tags), dtype=scores.dtype)
    some = lengths > 0
    best[some] = scores[starts[some], 0]
    back = np.zeros((n_sent, max(longest, 1), n_tags), dtype=np.int64)
    for i in range(1, longest):
        active = np.flatnonzero(lengths > i)
        cand = best[active, :, None] + scores[starts[active] + i, 1:]
        back[active, i] = cand.argmax(axis=1)
        best[active] = cand.max(axis=1)
    current = best.argmax(axis=1)
    tags = np.zeros((n_sent, max(longest, 1)), dtype=np.int64)
    for i in range(longest - 1, -1, -1):
        active = np.flatnonzero(lengths > i)
        tags[active, i] = current[active]
        if i:
            current[active] = back[active, i, current[active]]
    return [tags[k, : lengths[k]].tolist() for k in range(n_sent)]


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int]]:
    """Token spans ``(first, last + 1)`` of a BIO sequence (a stray ``I`` opens a span)."""
    spans: list[tuple[int, int]] = []
    start = -1
    for i, tag in enumerate([*tags, "O"]):
        if tag == "B" or (tag == "I" and start < 0):
            if start >= 0:
                spans.append((start, i))
            start = i
        elif tag == "O":
            if start >= 0:
                spans.append((start, i))
            start = -1
    return spans


@dataclass
class PracticeTagger:
    """BIO span taggers, one per task, on hashed token features.

    ``fit`` takes tokenised sentences and per-task BIO tags; ``find_spans`` returns character
    spans of the union of the tasks' spans (what the statement extractor reads as data types).
    """

    tasks: tuple[str, ...] = ("COLLECT", "SHARE", "NOT_COLLECT", "NOT_SHARE")
    n_features: int = 2**18
    C: float = 4.0
    seed: int = 13
    o_bias: float = 0.0
    ontology: Ontology = field(default_factory=load_ontology, repr=False)
    patterns: Patterns = field(default_factory=load_patterns, repr=False)
    coef_: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    intercept_: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    classes_: tuple[str, ...] = ("B", "I", "O")
    metadata: dict[str, object] = field(default_factory=dict, repr=False)
    _index_cache: dict[str, int] = field(default_factory=dict, repr=False)
    _prev_cache: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict, repr=False)
    _memo: dict[str, _Hashes] = field(default_factory=dict, repr=False)
    _static: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict, repr=False)
    _spans_memo: dict[str, list[tuple[int, int]]] = field(default_factory=dict, repr=False)
    _spans_state: tuple[object, ...] = field(default=(), repr=False)

    def _hash(self, feature: str) -> int:
        index = self._index_cache.get(feature)
        if index is None:
            # CRC-32 is stable across runs and machines (str hash() is salted) and needs no import.
            index = zlib.crc32(feature.encode("utf-8")) % self.n_features
            if len(self._index_cache) < 2_000_000:
                self._index_cache[feature] = index
        return index

    def _features(self, sentences: Sequence[Sequence[Token]]) -> list[list[list[str]]]:
        return [token_features(toks, self.ontology, self.patterns) for toks in sentences]

    def _indices(self, rows: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Hashed feature indices of each row, CSR style (indices, indptr)."""
        indptr, indices = [0], []
        cache, hash_ = self._index_cache, self._hash
        for feats in rows:
            # the cache read inline: a method call per feature string costs more than the lookup
            indices.extend(sorted({cache[f] if f in cache else hash_(f) for f in feats}))
            indptr.append(len(indices))
        return np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)

    def _hashed(
        self, sentences: Sequence[Sequence[Token]], prev_tags: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_indices`` of ``token_features`` and the tag-before indices, without building the
        feature strings.

        Each template's index is looked up by the value it joins (a word, a mark, a cue), so a
        string is formatted and hashed only the first time it occurs; the lookups run column by
        column (one template over all tokens), and each token's row of indices is sorted and
        deduplicated in numpy. The arrays equal those of the string path
        (``tests/test_practices_fast.py`` checks it).
        """
        h = self._memo
        if not h:
            for name in ("w=", "l=", "s=", "suf=", "o=", "r=", "bi-=", "bi+=", "cb=", "sc=",
                         "ca=", "w-2=", "w-1=", "w1=", "w2=", "o-2=", "o-1=", "o1=", "o2="):
                h[name] = _Hashes(name, self._hash)
        static, prev_memo, hash_ = self._static, self._prev_cache, self._hash
        hw, hl, hs, hsuf, ho, hr = h["w="], h["l="], h["s="], h["suf="], h["o="], h["r="]
        hbm, hbp, hcb, hsc, hca = h["bi-="], h["bi+="], h["cb="], h["sc="], h["ca="]
        cb_none = hash_("cb=none")
        # one list per template column, -1 where a token has no such feature
        own: list[tuple[int, ...]] = []
        cols: dict[str, list[int]] = {k: [] for k in (
            "o", "r", "w-2", "w-1", "w1", "w2", "o-2", "o-1", "o1", "o2", "bi-", "bi+",
            "cb", "cbd", "ca", "cad")}
        per_sentence: list[tuple[int, list[int]]] = []
        prev_rows: list[tuple[int, ...]] = []
        for tokens in sentences:
            n = len(tokens)
            if not n:
                continue
            low, lem, onto, recip, cue_at, sentence_cues = _context(tokens, self.ontology,
                                                                    self.patterns)
            for t, word, lm in zip(tokens, low, lem, strict=True):
                key = (t.text, lm)
                row = static.get(key)
                if row is None:
                    row = (hw[word], hl[lm], hs[_shape(t.text)], hsuf[word[-3:]])
                    if len(static) < 500_000:
                        static[key] = row
                own.append(row)
            marks = [m[:2] for m in onto]
            cols["o"].extend([ho[m] for m in onto])
            cols["r"].extend([hr[m] for m in recip])
            padded = ["<s>", "<s>", *low, "</s>", "</s>"]
            for k in (-2, -1, 1, 2):
                hk = h[f"w{k}="]
                cols[f"w{k}"].extend([hk[w] for w in padded[2 + k : 2 + k + n]])
                hk = h[f"o{k}="]
                if k < 0:
                    cols[f"o{k}"].extend([-1] * min(-k, n))
                    cols[f"o{k}"].extend([hk[m] for m in marks[: max(n + k, 0)]])
                else:
                    cols[f"o{k}"].extend([hk[m] for m in marks[k:]])
                    cols[f"o{k}"].extend([-1] * min(k, n))
            cols["bi-"].extend([hbm[f"{x}|{y}"] for x, y in zip(["<s>", *lem[:-1]], lem,
                                                                 strict=True)])
            cols["bi+"].extend([hbp[f"{x}|{y}"] for x, y in zip(lem, [*lem[1:], "</s>"],
                                                                 strict=True)])
            at = [p for p, _ in cue_at]
            cues = [c for _, c in cue_at]
            cb, cbd, ca, cad = cols["cb"], cols["cbd"], cols["ca"], cols["cad"]
            for i in range(n):
                b = bisect_left(at, i)
                if b:
                    c = cues[b - 1]
                    cb.append(hcb[c])
                    cbd.append(hcb[f"{c}|d{min(i - at[b - 1], 8) // 3}"])
                else:
                    cb.append(cb_none)
                    cbd.append(-1)
                a = bisect_right(at, i)
                if a < len(at):
                    c = cues[a]
                    ca.append(hca[c])
                    cad.append(hca[f"{c}|d{min(at[a] - i, 8) // 3}"])
                else:
                    ca.append(-1)
                    cad.append(-1)
            per_sentence.append((n, [hsc[c] for c in sentence_cues]))
            for word, mark in zip(low, marks, strict=True):
                pkey = ("w=" + word, "o=" + mark)
                prow = prev_memo.get(pkey)
                if prow is None:
                    prow = tuple(hash_(x) for pt in prev_tags for x in _prev_of(pt, *pkey))
                    if len(prev_memo) < 500_000:
                        prev_memo[pkey] = prow
                prev_rows.append(prow)
        n_tok = len(own)
        width = max((len(sc) for _, sc in per_sentence), default=0)
        grid = np.full((n_tok, 1 + 4 + len(cols) + width), -1, dtype=np.int64)
        if n_tok:
            grid[:, 0] = hash_("b")
            grid[:, 1:5] = np.array(own, dtype=np.int64)
            for col, values in enumerate(cols.values(), start=5):
                grid[:, col] = values
            pos = 0
            for n, sc in per_sentence:
                grid[pos : pos + n, 5 + len(cols) : 5 + len(cols) + len(sc)] = sc
                pos += n
        grid.sort(axis=1)
        keep = grid >= 0
        keep[:, 1:] &= grid[:, 1:] != grid[:, :-1]  # a set per token: each index once
        indptr = np.zeros(n_tok + 1, dtype=np.int64)
        np.cumsum(keep.sum(axis=1), out=indptr[1:])
        prev = np.array(prev_rows, dtype=np.int64).reshape(n_tok, len(prev_tags), -1)
        return grid[keep], indptr, prev

    def _matrix(self, rows: Sequence[Sequence[str]]) -> Any:
        from scipy.sparse import csr_matrix

        indices, indptr = self._indices(rows)
        data = np.ones(len(indices), dtype=np.float32)
        return csr_matrix((data, indices, indptr), shape=(len(rows), self.n_features))

    def fit(
        self, sentences: Sequence[Sequence[Token]], tags: Mapping[str, Sequence[Sequence[str]]]
    ) -> PracticeTagger:
        """Fit one model per task; ``tags[task][k]`` are the BIO tags of sentence ``k``.

        Each token also sees the tag before it (gold while training, decoded by Viterbi when
        tagging), which keeps spans whole instead of breaking them at every uncertain word.
        """
        require("train", "sklearn", purpose="training the practices tagger")
        from sklearn.linear_model import LogisticRegression

        feats = self._features(sentences)
        for task in self.tasks:
            rows: list[list[str]] = []
            for sent_feats, seq in zip(feats, tags[task], strict=True):
                for i, f in enumerate(sent_feats):
                    rows.append([*f, *_prev_features(seq[i - 1] if i else "<s>", f)])
            X = self._matrix(rows)
            y = np.array([t for seq in tags[task] for t in seq])
            model = LogisticRegression(C=self.C, max_iter=300, random_state=self.seed)
            model.fit(X, y)
            coef = np.zeros((len(self.classes_), self.n_features), dtype=np.float32)
            intercept = np.full(len(self.classes_), -1e4, dtype=np.float32)
            known = list(model.classes_)
            if len(known) == 2:  # binary: sklearn keeps one row for the second class
                row = self.classes_.index(known[1])
                coef[row] = model.coef_[0]
                intercept[row] = model.intercept_[0]
                intercept[self.classes_.index(known[0])] = 0.0
            else:
                for k, cls in enumerate(known):
                    coef[self.classes_.index(cls)] = model.coef_[k]
                    intercept[self.classes_.index(cls)] = model.intercept_[k]
            self.coef_[task] = coef
            self.intercept_[task] = intercept
        return self

    def predict_tags(self, sentences: Sequence[Sequence[Token]]) -> dict[str, list[list[str]]]:
        """BIO tags per task for each sentence (Viterbi over the tag-before features)."""
        if not self.coef_:
            raise RuntimeError("PracticeTagger is not fitted: call fit() or PracticeTagger.load()")
        out: dict[str, list[list[str]]] = {task: [] for task in self.tasks}
        if not any(len(sent) for sent in sentences):
            return {task: [[] for _ in sentences] for task in self.tasks}
        prev_tags = ("<s>", *self.classes_)
        # prev_idx[i, p]: hashed indices of the tag-before features of token i under tag p.
        indices, indptr, prev_idx = self._hashed(sentences, prev_tags)
        lengths = np.array([len(sent) for sent in sentences], dtype=np.int64)
        o = self.classes_.index("O")
        for task in self.tasks:
            coef = self.coef_[task]
            # Binary features: a row's score is the sum of its features' weights.
            base = np.add.reduceat(coef[:, indices], indptr[:-1], axis=1).T
            base = base + self.intercept_[task]
            # A bias against "O" trades precision for recall; measured on held-out train data.
            base[:, o] -= self.o_bias
            # logits[i, p, t] = base[i, t] + the weights of the tag-before features under p
            logits = base[:, None, :] + coef[:, prev_idx].sum(axis=3).transpose(1, 2, 0)
            logits -= logits.max(axis=2, keepdims=True)
            scores = logits - np.log(np.exp(logits).sum(axis=2, keepdims=True))
            paths = _viterbi_many(scores, lengths)
            out[task] = [[self.classes_[t] for t in path] for path in paths]
        return out

    def find_spans(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        """Character spans of data-type mentions in each text (the union over the tasks).

        A text's spans depend on that text alone, and policies repeat sentences (boilerplate,
        a list's lead-in read again for its items): each distinct text is tagged once per fitted
        model and remembered.
        """
        state = (self.o_bias, *(id(c) for c in self.coef_.values()))
        if state != self._spans_state:
            self._spans_memo.clear()
            self._spans_state = state
        memo = self._spans_memo
        todo = list(dict.fromkeys(t for t in texts if t not in memo))
        new = dict(zip(todo, self._find_spans(todo), strict=True)) if todo else {}
        out = [list(new[t] if t in new else memo[t]) for t in texts]
        if len(memo) + len(new) > _SPANS_MEMO:
            memo.clear()
        memo.update(new)
        return out

    def _find_spans(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        sentences = [tokenize(t) for t in texts]
        tags = self.predict_tags(sentences)
        out: list[list[tuple[int, int]]] = []
        for k, toks in enumerate(sentences):
            marked = [False] * len(toks)
            for task in self.tasks:
                for a, b in bio_spans([t[0] for t in tags[task][k]]):
                    for i in range(a, b):
                        marked[i] = True
            spans: list[tuple[int, int]] = []
            i = 0
            while i < len(toks):
                if marked[i]:
                    j = i
                    while j + 1 < len(toks) and marked[j + 1]:
                        j += 1
                    spans.append((toks[i].start, toks[j].end))
                    i = j + 1
                else:
                    i += 1
            out.append(spans)
        return out

    # -- artifacts -----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write ``tagger.json`` and ``tagger.npz`` (float16 weights, stored sparse)."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {}
        for task in self.tasks:
            coef = self.coef_[task]
            rows, cols = np.nonzero(np.abs(coef) > 1e-4)
            arrays[f"{task}.rows"] = rows.astype(np.int8)
            arrays[f"{task}.cols"] = cols.astype(np.int32)
            arrays[f"{task}.vals"] = coef[rows, cols].astype(np.float16)
            arrays[f"{task}.intercept"] = self.intercept_[task]
        np.savez_compressed(folder / "tagger.npz", **arrays)
        meta = {"format": _FORMAT, "tasks": list(self.tasks), "n_features": self.n_features,
                "C": self.C, "seed": self.seed, "o_bias": self.o_bias,
                "classes": list(self.classes_),
                "ontology_version": self.ontology.version,
                "patterns_version": self.patterns.version, **self.metadata}
        (folder / "tagger.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> PracticeTagger:
        """Read a tagger written by ``save`` (never executes code: JSON and plain arrays)."""
        meta = json.loads((folder / "tagger.json").read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT:
            raise ValueError(f"{folder} holds no practice tagger ({_FORMAT}); run "
                             "`policylens train --practices`")
        tagger = cls(tasks=tuple(meta["tasks"]), n_features=int(meta["n_features"]),
                     C=float(meta["C"]), seed=int(meta["seed"]),
                     o_bias=float(meta.get("o_bias", 0.0)),
                     classes_=tuple(meta["classes"]))
        with np.load(folder / "tagger.npz", allow_pickle=False) as z:
            for task in tagger.tasks:
                coef = np.zeros((len(tagger.classes_), tagger.n_features), dtype=np.float32)
                coef[z[f"{task}.rows"], z[f"{task}.cols"]] = z[f"{task}.vals"]
                tagger.coef_[task] = coef
                tagger.intercept_[task] = z[f"{task}.intercept"].astype(np.float32)
        tagger.metadata = {k: v for k, v in meta.items() if k not in {
            "format", "tasks", "n_features", "C", "seed", "o_bias", "classes"}}
        return tagger
