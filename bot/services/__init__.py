"""Use cases: functions of a command and the storage, called by the Slack listeners and the scheduler."""
