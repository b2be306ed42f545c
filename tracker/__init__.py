"""tracker: follow what Japan and the UK promised each other in 2026, and whether they delivered."""

__version__ = "0.1.0"
