"""Benchmarks (`make bench` → `python -m bench`): validation, build, memory, sizes and first-search
bytes at county, city and province scale, plus the naive mkdocs-material build of the county
package for comparison. Results: bench/results/results.md and results.json. See docs/scale.md."""
