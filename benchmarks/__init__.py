"""Benchmarks: speed, scale and load figures for docs/benchmarks.md.

`citaat.benchmarks` (the repository's `benchmarks/` folder, like the other layers) sits above every
other layer and may import any of them; nothing imports it. Run from the repository root:
`python -m citaat.benchmarks.bench_search all`, `python -m citaat.benchmarks.bench_scale --scale
small`, `python -m citaat.benchmarks.load_test --index data`. Shared paths and the report index
are loaded in one place, `citaat.benchmarks.common`.
"""
