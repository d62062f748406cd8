"""Create, change and find the records of the domain: one module per kind of record.

Every writer takes its typed input (``ContactCreate``, ``AccountUpdate``… from
:mod:`core.models`, checked by the rules of :mod:`core.validation` as it is made) and
the session as a keyword argument (the edge owns the transaction); it checks the
acting person's right to the account, raises :class:`core.errors.KamError` with a
user-readable message for anything else that is wrong, and leaves an
:class:`core.models.AuditEvent` for each write.
"""
