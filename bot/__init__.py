"""codev: professional co-development sessions in Slack."""

__version__ = "0.1.0"
