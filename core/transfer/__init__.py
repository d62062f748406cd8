"""Bring a team's CRM data in and take everything out (``kam import``, ``kam export``).

One pipeline serves every source: a table of text (a CSV file, an export, the
sample dataset) is mapped to kam's field names, every cell is checked, and
only then are rows written, in chunks, inside the caller's transaction.
"""
