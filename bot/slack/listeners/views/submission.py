"""Every modal submission acts once per view, however many times Slack delivers it.

`once_per_view` wraps a view listener (bot/slack/listeners/views/__init__.py wraps them all) and hands it a
`SubmissionAck` instead of Bolt's `ack`:

- `ack(response_action="errors", ...)` refuses the submission: the modal stays open with the same view id,
  and the person's corrected submission is a new chance to act;
- `ack()` (or any other answer) accepts it: the view is claimed first, atomically; a submission that finds
  the view already claimed is answered quietly (the modal closes) and its listener stops there;
- `ack.accept()` claims without answering yet, for listeners that change state before they answer (the
  change may still be refused inline; then the claim is released).

A listener that fails before answering releases its claim too: Slack shows the person an error in the modal,
and submitting again must act.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.services.submissions import claim_view, release_view
from bot.slack.context import services_of
from bot.slack.listeners.common import team_of

log = logging.getLogger(__name__)


class AlreadyHandled(Exception):
    """Another submission of this view was accepted first; this one is answered and does nothing."""


class SubmissionAck:
    """The `ack` a view listener receives: answering without errors accepts the submission, once per view."""

    def __init__(self, ack: Ack, claim: Callable[[], bool], release: Callable[[], None]) -> None:
        self._ack = ack
        self._claim = claim
        self._release = release
        self.claimed = False
        self.answered = False

    def accept(self) -> None:
        """Claim this view before changing anything; raises AlreadyHandled when another submission has."""
        if self.claimed:
            return
        if not self._claim():
            self._answer()  # quietly: the modal closes, the first submission does the work
            raise AlreadyHandled
        self.claimed = True

    def __call__(self, **answer: Any) -> None:
        if answer.get("response_action") == "errors":
            self.give_back()
        else:
            self.accept()
        self._answer(**answer)

    def give_back(self) -> None:
        """Release the claim (if this submission holds one): the same view may be submitted again."""
        if self.claimed:
            self.claimed = False
            self._release()

    def _answer(self, **answer: Any) -> None:
        self.answered = True
        self._ack(**answer)


def once_per_view(listener: Callable[..., None]) -> Callable[..., None]:
    """Make a view listener act once per view id (see the module's docstring)."""
    wanted = {"ack", "body", "context"}
    missing = wanted - set(inspect.signature(inspect.unwrap(listener)).parameters)
    if missing:  # Bolt passes only the arguments a listener names
        raise TypeError(f"{listener.__name__} must take {', '.join(sorted(missing))} to act once per view")

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> None:
        body = kwargs["body"]
        view_id = str((body.get("view") or {}).get("id") or "")
        if not view_id:  # not a payload Slack sends; nothing to key on
            listener(**kwargs)
            return
        services = services_of(kwargs["context"])
        team_id = team_of(body)
        ack = SubmissionAck(
            kwargs["ack"],
            claim=lambda: claim_view(services.db, team_id, view_id, services.clock.now()),
            release=lambda: release_view(services.db, team_id, view_id),
        )
        try:
            listener(**{**kwargs, "ack": ack})
        except AlreadyHandled:
            log.info("view %s was submitted again while its first submission acts; answered quietly", view_id)
        except BaseException:
            if not ack.answered:
                ack.give_back()  # Slack shows the person an error; submitting again must act
            raise
        else:
            if not ack.answered:
                ack.give_back()

    return wrapper
