"""Everything that knows Slack: the Web API client, Block Kit builders and the Bolt listeners."""
