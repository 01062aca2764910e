"""Store performance (docs/rules.md §10): per-day aggregates, the metrics read from them, the
rating, and the standing (warning, restriction, lift) the thresholds decide."""
