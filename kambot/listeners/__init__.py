"""Listeners grouped by the kind of Slack request they answer; each module has ``register(app)``."""
