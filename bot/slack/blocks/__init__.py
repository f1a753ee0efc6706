"""Pure Block Kit builders: domain values in, slack_sdk.models out. No I/O."""
