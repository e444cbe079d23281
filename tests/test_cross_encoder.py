"""The cross-encoder reranking stage (`--reranker DIR`) with a tiny, randomly initialised
CrossEncoder built here (a 2-layer BERT over a word-level vocabulary of the sample corpus): the
plumbing (the top N are reordered by its score, nothing else moves), its latency per N, and one
Dutch error for a folder that is not a model. Needs the `st` extra (sentence-transformers)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sample_index import sample_chunks, write_sample

from citaat.index.build import build_index
from citaat.index.config import CrossEncoderConfig, SearchConfig
from citaat.index.search import Searcher
from citaat.index.store import SearchIndexError

pytestmark = [
    pytest.mark.slow,  # torch's import and a CLI child process: about a minute on 2 busy cores
    pytest.mark.skipif(
        not all(importlib.util.find_spec(m) for m in ("torch", "sentence_transformers")),
        reason="sentence-transformers extra not installed (pip install -e .[st])",
    ),
]

QUESTION = "Wat zegt R13 over vertrouwen tussen de wethouders?"


def tiny_cross_encoder(folder: Path) -> Path:
    """A randomly initialised BERT cross-encoder (one relevance logit) saved as a local model folder."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    words = sorted({w.lower() for c in sample_chunks() for w in re.findall(r"\w+", c.text)} | set(QUESTION.lower().split()))
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {w: i for i, w in enumerate([*special, *words])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    from tokenizers.processors import TemplateProcessing

    tok.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", do_lower_case=True)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    directory = write_sample(tmp_path_factory.mktemp("sample"))
    build_index(directory, progress=False)
    return directory


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return tiny_cross_encoder(tmp_path_factory.mktemp("tiny-cross-encoder"))


def test_cross_encoder_reorders_the_top_n_by_its_score(sample_dir, model_dir):
    plain = Searcher.open(sample_dir)
    top_n = 4
    searcher = Searcher.open(sample_dir, SearchConfig(cross_encoder=CrossEncoderConfig(str(model_dir), top=top_n)))
    before = [h.chunk.id for h in plain.search(QUESTION, k=10)]
    after = searcher.search(QUESTION, k=10)
    ids = [h.chunk.id for h in after]
    # the top N are the same candidates, now in the model's order; the rest as before
    scores = searcher.cross_encoder.scores(QUESTION, [h.chunk.text for h in after[:top_n]])
    assert list(scores) == sorted(scores, reverse=True)
    assert set(ids[:top_n]) == set(before[:top_n])  # the same candidates, reordered
    assert ids[top_n:] == [i for i in before if i not in ids[:top_n]][: len(ids) - top_n]
    assert [h.score for h in after] == sorted((h.score for h in after), reverse=True)


def test_cross_encoder_latency_per_n(sample_dir, model_dir):
    """Prints the median time of one rerank of N candidates (docs/benchmarks.md, "Cross-encoder")."""
    searcher = Searcher.open(sample_dir, SearchConfig(cross_encoder=CrossEncoderConfig(str(model_dir))))
    texts = [c.text for c in searcher.chunks]
    print()
    for n in (5, 10, 20):
        batch = (texts * (n // len(texts) + 1))[:n]
        times = []
        for _ in range(5):
            t = time.perf_counter()
            out = searcher.cross_encoder.scores(QUESTION, batch)
            times.append(time.perf_counter() - t)
        assert out.shape == (n,) and np.isfinite(out).all()
        print(f"cross-encoder (tiny, 2 lagen) N={n}: mediaan {1000 * float(np.median(times)):.1f} ms")


def test_a_folder_that_is_not_a_model_is_one_dutch_error(sample_dir, tmp_path):
    (tmp_path / "leeg").mkdir()
    with pytest.raises(SearchIndexError, match=r"leeg: is geen reranker-model \(config.json ontbreekt\)"):
        _ = Searcher.open(sample_dir, SearchConfig(cross_encoder=CrossEncoderConfig(str(tmp_path / "leeg")))).cross_encoder
    broken = tmp_path / "kapot"
    broken.mkdir()
    (broken / "config.json").write_text(json.dumps({"model_type": "bert"}), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "citaat", "search", QUESTION, "--index", str(sample_dir), "--reranker", str(broken)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith(f"citaat: {broken}: is geen bruikbaar reranker-model")
