"""The pure core: co-development rules. Imports nothing from Slack, the database or the rest of bot/."""
