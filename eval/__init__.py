"""Retrieval evaluation: a Dutch question set, chunking-independent judging, metrics and a harness.

- `eval.dataset`: the question-file format (load, validate, write) and snippet/label judging;
- `eval.labels`: derive graded chunk-id labels from snippets and show candidates to a human;
- `eval.metrics`: Hit@k, Recall@10, MRR@10, nDCG@10 and significance tests (via ranx), respondent
  accuracy, no-answer behaviour, latency percentiles;
- `eval.configs`: the named retrieval configurations that are compared;
- `eval.run`: the harness behind `citaat eval` (Markdown table, JSON, PNG chart).

Submodules are imported on use so `import citaat.eval` stays cheap (ranx pulls numba).
"""
