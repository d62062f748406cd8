"""Demo portfolios: the real CRM sample dataset, and synthetic ones of any size."""

MAX_ACCOUNTS = 1_000_000
"""The largest synthetic portfolio kam generates: 1,000,000 accounts are about twenty
million rows, ten minutes into SQLite on a 2-core machine and a few GB on disk; the
scale kam is built to serve. Past it a typo (an extra zero) would fill the disk. (Here,
not in the generator, so ``kam demo``'s help names it without importing the generator.)"""
