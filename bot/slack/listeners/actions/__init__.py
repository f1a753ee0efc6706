from __future__ import annotations

from slack_bolt import App

from bot.slack import ids
from bot.slack.blocks import after as after_blocks
from bot.slack.listeners.actions import after, home, recurring, session, summary


def register(app: App) -> None:
    app.action(ids.NEXT)(session.next_step)
    app.action(ids.EXTEND)(session.extend)
    app.action(ids.PAUSE)(session.pause)
    app.action(ids.RESUME)(session.resume)
    app.action(ids.END)(session.end)
    app.action(ids.END_CANCEL)(session.end_cancel)
    app.action(ids.HANDOVER)(session.hand_over)
    app.action(ids.EDIT)(session.edit)
    app.action(ids.FACILITATOR_MENU)(session.facilitator_menu)
    app.action(ids.TAKE_OVER)(session.take_over)
    app.action(ids.DONE)(session.done)
    app.action(ids.CONTRACT_OPEN)(session.open_contract)
    app.action(ids.SYNTHESIS_OPEN)(session.open_synthesis)
    app.action(ids.INVITE)(session.invite)
    app.action(ids.START_PACE)(session.pace_changed)
    app.action(ids.SUMMARY_POST)(summary.post)
    app.action(ids.SUMMARY_EDIT)(summary.edit)
    app.action(after_blocks.DEBRIEF_OPEN)(after.open_debrief)
    app.action(after_blocks.EVALUATION_OPEN)(after.open_evaluation)
    app.action(ids.JOURNAL_UNDO)(home.undo)
    app.action(ids.FORGET_ME)(home.forget)
    app.action(ids.HOME_START)(home.start_from_home)
    app.action(ids.HOME_EXPORT)(home.export)
    app.action(ids.HOME_SEARCH)(home.search)
    app.action(ids.HOME_PAGE)(home.page)
    app.action(ids.HOME_ENTRY_DELETE)(home.delete_entry)
    app.action(ids.HOME_ENTRY_MORE)(home.show_entry)
    app.action(ids.HOME_ACTION_DONE)(home.action_done)
    app.action(ids.HOME_ACTION_POSTPONE)(home.action_postpone)
    app.action(ids.CHARTER_ACCEPT)(home.accept_charter)
    app.action(ids.KICKOFF_VOLUNTEER)(recurring.volunteer)
    app.action(ids.KICKOFF_WITHDRAW)(recurring.withdraw)
    app.action(ids.KICKOFF_PICK)(recurring.pick)
    app.action(ids.KICKOFF_START)(recurring.start)
    for answer in (ids.FOLLOW_UP_DONE, ids.FOLLOW_UP_POSTPONED, ids.FOLLOW_UP_DROPPED):
        app.action(answer)(recurring.follow_up)
