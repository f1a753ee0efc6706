"""What the tests need beyond the product: Slack's spec checker and a stand-in that fails on demand."""
