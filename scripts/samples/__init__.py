"""Generator of the fictional sample corpus (see scripts/make_samples.py)."""
