"""The kam core: the key account management domain, its storage and its rules.

Nothing in this package knows about Slack, Textual or the scheduler; the
front ends (``kambot``, ``tui``) and the ``kam`` command line call into it.
"""
