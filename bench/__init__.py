"""Civitas benchmarks: `make bench` (or `python bench/run.py --help`). See bench/README.md."""
