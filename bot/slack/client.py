"""The Web API client: pointed at SLACK_API_URL, retrying rate limits and server errors as Slack asks."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)


def make_web_client(token: str | None, base_url: str, *, timeout: int = 30) -> WebClient:
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),  # sleeps for Slack's Retry-After
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
