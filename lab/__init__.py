"""The lab: model fitting, tuning and the experiments behind the product's defaults.

Outside the product and its wheel (`pip install -e ".[lab]"` adds scikit-learn): these scripts fit the
shipped models (index/rerank_model.json, index/evidence_model.json), choose settings by
cross-validation over dev folds, and keep the experiments that lost reproducible. They may import any
product layer; an import-linter contract (pyproject.toml) keeps the product from importing them.
Run from the repository root: `python -m lab.tune`, `python -m lab.exp_rerank fit`, ...
"""
