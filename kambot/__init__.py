"""The Slack adapter: slash commands, interactive reminders, App Home, digests."""
