"""A local stand-in for Slack: its Web API on loopback, and a driver that talks to the app as Slack does."""
