"""Benchmarks that print their figures as JSON lines; see bench/README.md."""
