"""Benchmarks: speed, scale and load figures for docs/benchmarks.md.

A package of the repository (not installed): run its scripts from the repository root as
`python -m benchmarks.bench_search all`, `python -m benchmarks.bench_scale --scale small`,
`python -m benchmarks.load_test --index data`. It sits above every `citaat` layer and may import
any of them; nothing in `citaat` imports it. Shared paths and the report index live in
`benchmarks.common`.
"""
