"""Training the sentence encoder on policy language (``policylens train --encoder``; needs torch).

* :mod:`nlp.embed.training.pairs` builds question -> clause triples with same-policy hard
  negatives from PolicyQA (training policies), OPP-115 practice spans, PrivacyQA and the train
  split of the lay questions; the PolicyQA policy split is recorded in
  ``nlp/data/encoder_split.json``.
* :mod:`nlp.embed.training.finetune` fine-tunes all-MiniLM-L6-v2 on them with
  sentence-transformers (MultipleNegativesRankingLoss, seeded).
* :func:`train_encoder` runs both, then exports the result to ONNX (:mod:`nlp.embed.export`)
  with a model card naming the data, their hashes and the seeds.
"""

from nlp.embed.training.pairs import (
    TrainingTriple,
    build_triples,
    data_hashes,
    policyqa_split,
    read_split,
)
from nlp.embed.training.run import EncoderTrainingResult, default_datasets_dir, train_encoder

__all__ = [
    "EncoderTrainingResult",
    "TrainingTriple",
    "build_triples",
    "data_hashes",
    "default_datasets_dir",
    "policyqa_split",
    "read_split",
    "train_encoder",
]
