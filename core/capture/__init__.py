"""Interactions captured from e-mail (IMAP), calendars (CalDAV or an ICS feed) and
shared Slack channels, so every touch counts without being typed again.

One adapter per source reads what is new (:mod:`core.capture.mail`,
:mod:`core.capture.calendar`); :mod:`core.capture.matcher` places each address with
a contact or an account; :mod:`core.capture.store` records the touches through the
same writer as a typed one, keeps the sync state and the review queue of people kam
could not place; :mod:`core.capture.lease` lets one bot replica run a source at a time.
"""
