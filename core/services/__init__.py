"""Create, change and find the records of the domain.

Every function takes the session as a keyword argument (the edge owns the
transaction), raises :class:`core.errors.KamError` with a user-readable message
when input is wrong, and leaves an :class:`core.models.AuditEvent` for each write.
"""
