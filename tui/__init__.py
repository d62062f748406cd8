"""The Textual terminal UI: browse and work the whole portfolio."""
