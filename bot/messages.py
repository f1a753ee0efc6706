"""Every text a person reads, in English, by key: the source of the gettext catalogues (see bot/i18n).

Handlers name a key and call ``t(key, ...)`` (or ``tn(key, count, ...)`` for a `Plural`); `pybabel extract`
reads this file (bot/i18n/extract.py), so a translation adds a catalogue and touches no handler. Each value
is a whole sentence or more, never a fragment glued to another at run time: word order differs by language.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter


@dataclass(frozen=True)
class Plural:
    """A text whose wording depends on a count ({count}): English has two forms, other languages more or fewer."""

    one: str
    other: str


EN: dict[str, str | Plural] = {
    # ---- help and commands ----
    "usage": (
        "*codev* runs co-development sessions (Payette & Champagne) right here in Slack.\n"
        "• `/codev start [topic]` — start a session in this channel\n"
        "• `/codev status` — the sessions running in this channel, their step and time left\n"
        "• `/codev nudges off|on` — private reminders when a step awaits you\n"
        "• `/codev quiet 18:00-09:00` — your quiet hours (local time)\n"
        "• `/codev journal [text]` — add to your private learning journal, or read it; `/codev journal export`\n"
        "• `/codev forget-me` — erase what codev keeps about you (it tells you what stays)\n"
        "• `/codev group` — this channel's group: members, charter, durations, recurring sessions; "
        "`/codev group stats` — who did what\n"
        "• `/codev away 2026-12-24` / `/codev away back` — skip me in rotation while I am away\n"
        "• `/codev language fr|en|auto` — the language codev speaks to you (auto: your Slack language)\n"
        "• `/codev help` — this message"
    ),
    "usage_fallback": "codev: /codev start [topic], /codev status, /codev help",
    "unknown_command": "Unknown command '{command}'.",
    "something_went_wrong": (
        "Sorry, something went wrong on codev's side and nothing was changed. Please try again in a moment."
    ),
    # ---- start modal ----
    "start_title": "Start a session",
    "start_submit": "Start",
    "cancel": "Cancel",
    "start_intro": (
        "One peer brings a real work challenge (the *client*), the others help as *consultants*, and the "
        "*facilitator* keeps the frame. Six timeboxed steps, each in its own thread."
    ),
    "start_topic": "Topic",
    "start_topic_hint": "A few words for the challenge, e.g. “Handing over my team while on leave”.",
    "start_facilitator": "Facilitator",
    "start_client": "Client (brings the challenge)",
    "start_consultants": "Consultants",
    "start_channel": "Channel",
    "start_pace": "Pace",
    "start_durations": "Timeboxes, in minutes",
    "start_group_size": "Group size",
    "start_group_size_confirm": "Run with this group anyway",
    "start_group_size_hint": "The method works best with 5 to 8 peers in all (facilitator, client, consultants).",
    "start_confidential_public": (
        ":lock: *The client's case is confidential.* <#{channel}> is a public channel: anyone in the workspace "
        "can read it. A private channel with just the group is safer."
    ),
    "start_confidential_shared": (
        ":lock: *The client's case is confidential.* <#{channel}> is shared with people outside your "
        "organisation. A private channel with just the group is safer."
    ),
    "start_not_in_channel_title": "Invite codev first",
    "start_not_in_channel": (
        "codev is not a member of <#{channel}> yet, so it cannot post the session there.\n"
        "Type `/invite @codev` in that channel, then `/codev start` again."
    ),
    "start_in_dm": (
        "Sessions happen in a channel, where the group can read each step's thread. "
        "Go to the group's channel (a private one is best), type `/invite @codev` if needed, then `/codev start`."
    ),
    "start_in_thread": "Slash commands do not work inside threads: type `/codev start` in the channel itself.",
    "error_topic_empty": "Give the session a topic: a few words are enough.",
    "error_topic_long": "Keep the topic under {limit} characters; details belong in the Presentation thread.",
    "error_duration_not_number_live": "Enter a whole number of minutes.",
    "error_duration_not_number_async": "Enter a whole number of working hours.",
    "error_duration_not_positive_live": "A timebox needs at least 1 minute.",
    "error_duration_not_positive_async": "A timebox needs at least 1 working hour.",
    "error_duration_absurd_live": Plural(
        "That is longer than makes sense for one step (at most {count} minute).",
        "That is longer than makes sense for one step (at most {count} minutes).",
    ),
    "error_duration_absurd_async": Plural(
        "That is longer than makes sense for one step (at most {count} working hour).",
        "That is longer than makes sense for one step (at most {count} working hours).",
    ),
    "error_group_size": Plural(
        "You have {count} peer in all; the method asks for 5 to 8. Tick “Run with this group anyway” to go ahead.",
        "You have {count} peers in all; the method asks for 5 to 8. Tick “Run with this group anyway” to go ahead.",
    ),
    "error_channel_busy": "A session is already running in this channel. Run `/codev status` to see it.",
    "error_channel_missing": "Choose the channel where the session happens.",
    "role_missing_facilitator": "Choose a facilitator.",
    "role_missing_client": "Choose the client who brings the challenge.",
    "role_missing_consultants": "Choose at least one consultant.",
    "role_is_bot": "<@{user}> is a bot; sessions are for people.",
    "role_is_deactivated": "<@{user}> has been deactivated.",
    "role_client_is_facilitator": "The client cannot also facilitate: choose someone else for one of the roles.",
    "role_consultant_is_client": "<@{user}> is the client, so cannot be a consultant too.",
    "role_consultant_is_facilitator": "<@{user}> facilitates, so cannot be a consultant too.",
    "role_unknown_user": "codev could not find <@{user}> in this workspace.",
    "people_check_slow": "Slack has not told me about <@{user}> yet, so I cannot check them: submit again in a moment.",
    "people_check_failed": "Slack did not tell me about <@{user}>, so I could not check them.",
    "people_check_line": "• {problem}",
    "people_check_late_start": (
        "Slack was slow to tell me about everyone when the session “{topic}” started, so I checked them just "
        "after:\n{problems}\nThe session runs as it is: <@{facilitator}>, who facilitates, can change the client "
        "or the consultants with *Edit session*."
    ),
    "people_check_late_edit": (
        "Slack was slow to tell me about everyone when you edited the session “{topic}”, so I checked them just "
        "after:\n{problems}\nYour change is saved as it is; change them with *Edit session* again."
    ),
    "people_check_late_group": (
        "Slack was slow to tell me about every member when you saved the group “{name}”, so I checked them just "
        "after:\n{problems}\nThe group is saved as it is; change its members with `/codev group` in <#{channel}>."
    ),
    "invite_missing": Plural(
        "{people} is not in <#{channel}>, so they would not see the session. Invite them?",
        "{people} are not in <#{channel}>, so they would not see the session. Invite them?",
    ),
    "invite_button": "Invite them",
    "invited": "Invited {people} to <#{channel}>.",
    "invite_failed": "codev could not invite them ({error}). Type `/invite` followed by their names in the channel.",
    # ---- the session in the channel ----
    "root_title": "Co-development · {topic}",
    "root_fallback_ended": "Co-development session: {topic} — ended",
    "root_roles": "*Client:* <@{client}>   *Facilitator:* <@{facilitator}>\n*Consultants:* {consultants}",
    "root_pace": "{pace} · started {started}",
    "root_frame": ("_What is said here stays in the group. Listen to understand, speak from experience, no judgment._"),
    # ---- the session's card (issue 16, H1): drawn as it starts, again only when what it shows changes ----
    "root_fallback_card": "Co-development session: {topic}",
    "root_plan": "*The six steps*\n{steps}",
    "root_plan_step": "{number}. {step} · {duration}",
    "root_plan_step_done": ":white_check_mark: {number}. {step}",
    "root_plan_step_skipped": ":heavy_minus_sign: ~{number}. {step}~",
    "root_threads": "Each step follows below in its own message, with its own thread: reply there.",
    "root_ended_summary": ":checkered_flag: Session ended. Thank you all. The summary will be posted in this thread "
    "once <@{client}> approves it.",
    "step_header": "Step {number}/6 · {step}",
    "step_fallback": "Step {number}/6 · {step}: {who}, your turn — until {deadline}",
    "step_closed_fallback": "Step {number}/6 · {step} — closed",
    "step_deadline": ":hourglass_flowing_sand: Until {deadline}",
    "step_deadline_working": (
        ":hourglass_flowing_sand: Until {deadline} — {amount}, counted in working hours ({calendar})"
    ),
    "step_paused": ":double_vertical_bar: Paused — {left} left when it resumes",
    "step_closed": Plural(":lock: Closed · {count} reply", ":lock: Closed · {count} replies"),
    "step_reply_here": "Reply in this thread.",
    "step_speaking_now": ":speech_balloon: *Your turn:* {who}",
    "step_done_count": ":raised_hand: Done: {count}/{total} — {names}",
    "step_done_none": ":raised_hand: Done: 0/{total}",
    "step_examples": "*For example:*\n{examples}",
    "purpose_presentation": (
        "<@{client}> describes the situation: the context, what is at stake, what has been tried, "
        "and why it matters now."
    ),
    "purpose_clarification": (
        "Consultants ask *neutral questions* to understand the situation better. "
        "No advice and no solutions yet: they come in Consultation."
    ),
    "purpose_contract": (
        "<@{client}> states their need and what they expect from the group: ideas, experiences, "
        "a challenge to their thinking…"
    ),
    "purpose_consultation": (
        "Consultants share ideas, hypotheses, experiences and possible solutions. "
        "<@{client}> listens and takes notes without answering."
    ),
    "purpose_synthesis": ("<@{client}> says what they keep from the consultation and names their next actions."),
    "purpose_learning": "Everyone says what they take away for their own practice.",
    "who_client": "<@{client}>",
    "who_consultants": "{consultants}",
    "who_everyone": "everyone",
    "examples_presentation": "• What is the situation, and who is involved?\n• What have you tried so far?\n"
    "• Why does it matter to you now?",
    "examples_clarification": "• “How long has this been going on?”\n• “Who else is affected?”\n"
    "• “What would success look like for you?”",
    "examples_contract": "• “I need ideas for…”\n• “I'd like you to challenge my assumption that…”\n"
    "• “Help me prepare the conversation with…”",
    "examples_consultation": "• “One hypothesis: …”\n• “In a similar case I…”\n• “What if the real issue is…?”",
    "examples_synthesis": "• What I keep: …\n• My first step, by Friday: …\n• What I will leave aside: …",
    "examples_learning": "• “For my own practice I take away…”\n• “What surprised me was…”\n• “Next time I will…”",
    "button_done": "I'm done",
    "button_next": "Next step",
    "button_finish": "Finish",
    "button_extend": "Extend +{amount}",
    "button_pause": "Pause",
    "button_resume": "Resume",
    "button_end": "End session",
    "button_handover": "Hand over",
    "button_edit": "Edit session",
    "edit_title": "Edit the session",
    "edit_submit": "Save",
    "edit_intro": "Swap people or change the timeboxes of the steps still to come (in minutes).",
    "edit_intro_clock_hours": "Swap people or change the timeboxes of the steps still to come (in hours).",
    "button_contract": "Write my contract",
    "button_synthesis": "Write my synthesis",
    "confirm_end_title": "End the session?",
    "confirm_end_text": "This closes the current step and skips the ones left. The client then gets the summary.",
    "confirm_end_yes": "End it",
    "confirm_end_no": "Keep going",
    "amount_minutes": "{n} min",
    "amount_hours": "{n} h",
    "amount_half_day": "½ day",
    # ---- controls: private answers ----
    "only_facilitator": "Only the facilitator, <@{facilitator}>, can use this button. It keeps the pace for everyone.",
    "facilitator_absent": (
        "<@{facilitator}> seems away (silent well past the deadline, or deactivated). As a participant you can "
        "take over facilitation."
    ),
    "button_take_over": "Take over facilitation",
    "took_over": "<@{user}> now facilitates this session.",
    "stale_step": "This button belongs to a step that is over; the session has moved on.",
    "session_ended": "This session has ended.",
    "concurrent_change": "Someone changed the session at the same moment; nothing was done twice. Look again.",
    "already_paused": "The session is already paused.",
    "not_paused": "The session is not paused.",
    "not_found": "codev cannot find this session any more.",
    "done_not_expected": "“I'm done” is for those who speak in this step ({who}).",
    "done_thanks": "Thanks, noted that you are done with {step}.",
    "done_already": "You had already said you are done with {step}.",
    "done_all": "Everyone expected in {step} is done. You can move on with *Next step* when you are ready.",
    "handover_title": "Hand over facilitation",
    "handover_submit": "Hand over",
    "handover_to": "New facilitator",
    "handover_to_client": "The client cannot facilitate their own case.",
    "lost_channel": (
        "codev can no longer post in <#{channel}> ({error}), so the session “{topic}” is paused. Nothing "
        "written so far is lost. Invite codev back (`/invite @codev`) and click Resume."
    ),
    # ---- contract, synthesis ----
    "contract_title": "My contract",
    "contract_submit": "Save",
    "contract_need": "My need",
    "contract_need_hint": "What do you need from this session?",
    "contract_expectations": "What I expect from the group",
    "contract_expectations_hint": "Ideas? Experiences? A challenge to your thinking?",
    "contract_post": (
        ":handshake: *<@{client}>'s contract*\n*Need:* {need}\n*Expectations of the group:* {expectations}"
    ),
    "contract_fallback": "{client}'s contract",
    "contract_client_only": "Only the client, <@{client}>, writes the contract.",
    "contract_closed": "The Contract step is over, so the contract can no longer change.",
    "synthesis_title": "My synthesis",
    "synthesis_submit": "Save",
    "synthesis_kept": "Ideas I keep",
    "synthesis_kept_hint": "Pick among the consultants' replies.",
    "synthesis_keep": "What I keep, in my words",
    "synthesis_action": "Next action {n}",
    "synthesis_due": "Due date for action {n}",
    "synthesis_post": ":dart: *<@{client}>'s synthesis*\n{keep}{kept}\n*Action plan:*\n{actions}",
    "synthesis_fallback": "{client}'s synthesis and action plan",
    "synthesis_no_actions": "_no action named_",
    "synthesis_action_line": "{n}. {text}",
    "synthesis_action_line_due": "{n}. {text} — due {due}",
    "synthesis_kept_line": "• “{text}” — <@{user}>",
    "synthesis_client_only": "Only the client, <@{client}>, writes the synthesis.",
    "synthesis_closed": "The Synthesis step is over, so the synthesis can no longer change.",
    "error_need_empty": "Write your need in a sentence or two.",
    "error_action_text_long": "Keep each action under {limit} characters.",
    "error_due_past": "Pick a date from today on.",
    # ---- coaching ----
    "coach_advice": (
        ":seedling: That sounds like advice. In Clarification, questions help the client explain; keep the idea "
        "for Consultation, where it will be welcome."
    ),
    "coach_client_listens": (
        ":ear: In Consultation the client listens and takes notes: your turn to react comes in Synthesis."
    ),
    "late_reply": (
        "The group has moved on from {step}; your reply is kept and marked as late. The session is now at {current}."
    ),
    "late_reply_ended": "This session has ended; your reply is kept and marked as late.",
    # ---- timekeeping ----
    "timer_reminder": ":hourglass: {left} left for {step}.",
    "timer_reminder_waiting": ":hourglass: {left} left for {step}. Still to speak: {people}.",
    "timer_deadline": ":alarm_clock: Time's up for {step}.",
    "timer_deadline_auto": (
        ":alarm_clock: Time's up for {step}. If nobody decides, codev moves on by itself {moment}."
    ),
    "timer_turn": (
        ":sunrise: <@{user}>, {step} opened outside your working hours and is waiting for you: "
        "reply in this thread until {deadline}."
    ),
    "timer_turn_late": (
        ":sunrise: <@{user}>, {step} opened outside your working hours; its time was up {deadline}, but it is "
        "still open and your reply is welcome in this thread."
    ),
    "timer_reminder_own": ":hourglass: <@{user}>, {left} left for {step}: your reply is still welcome here.",
    "someone": "a participant",
    "timer_deadline_facilitator": "Time's up for {step} in “{topic}”. Give the group a little longer, or move on?",
    "timer_deadline_facilitator_auto": (
        "Time's up for {step} in “{topic}”. Give the group a little longer, or move on? If nobody decides, codev "
        "moves on by itself {moment}."
    ),
    "timer_auto_advanced": ":fast_forward: Nobody decided after the deadline, so codev moved on to {step}.",
    "timer_auto_ended": ":checkered_flag: Nobody decided after the deadline, so codev closed the session.",
    "timer_closed_early": ":white_check_mark: Everyone is done, so {step} closes early.",
    "timer_nudge": (
        "Your voice is awaited in {step} of “{topic}” in <#{channel}>, until {deadline}: {link}\n"
        "_Turn these reminders off with `/codev nudges off`._"
    ),
    # ---- timekeeping: the facilitator's changes, told in the step's thread ----
    "note_paused": ":double_vertical_bar: <@{user}> paused {step}: the time left ({left}) is kept until it resumes.",
    "note_resumed": ":arrow_forward: <@{user}> resumed {step}: it now ends {deadline}.",
    "note_extended": ":heavy_plus_sign: <@{user}> gave {step} {amount} more: it now ends {deadline}.",
    "note_extended_paused": ":heavy_plus_sign: <@{user}> gave {step} {amount} more: {left} left when it resumes.",
    "note_edited": ":pencil2: <@{user}> updated the session: {step} now ends {deadline}.",
    "note_edited_paused": ":pencil2: <@{user}> updated the session: {step} has {left} left when it resumes.",
    "note_handed_over": ":handshake: <@{old}> handed facilitation over: <@{new}> facilitates this session now.",
    "button_continue": "Continue +{amount}",
    "button_move_on": "Move on",
    "start_timekeeping": "Timekeeping (async sessions)",
    "start_reminder": "Reminder, as a percentage of the step's time left",
    "start_reminder_hint": "codev reminds the thread when this share of a step's time is left (0: no reminder).",
    "error_reminder": "Enter a whole number from 0 to 90.",
    "start_auto_advance": "Move on by itself if nobody acts after a deadline",
    "start_close_early": "Close a step early when everyone is done",
    "start_nudges": "Nudge quiet consultants privately at mid-step, in their working hours",
    "nudges_off": "Done: codev will not nudge you any more. `/codev nudges on` brings the reminders back.",
    "nudges_on": "Done: codev may nudge you, within your working hours, when a step awaits your voice.",
    "quiet_set": "Done: codev keeps quiet from {start} to {end} your time.",
    "quiet_set_weekends": "Done: codev keeps quiet from {start} to {end} your time, and at weekends.",
    "quiet_usage": "Write your quiet hours like this: `/codev quiet 18:30-08:30` (add `weekdays` to allow weekends).",
    "nudges_usage": "Write `/codev nudges off` or `/codev nudges on`.",
    # ---- journal ----
    "journal_saved": ":notebook: Saved to your private journal.",
    "journal_saved_tags": ":notebook: Saved to your private journal (tags: {tags}).",
    "journal_saved_hint": "Only you can read it. To start an entry with `help`, `list` or `export`, begin with a "
    "dash: `- list of things I learned…`",
    "journal_undo": "Undo",
    "journal_undone": ":wastebasket: Removed from your journal.",
    "journal_gone": "That entry is no longer in your journal.",
    "journal_help": (
        "*Your private learning journal.* Anything you write to me here becomes an entry; only you can read it.\n"
        "• `list` — your latest entries\n• `export` — your whole journal as a Markdown file\n"
        "• `help` — this message\n"
        "Add #tags to find entries later. Elsewhere: `/codev journal <text>`, or the message shortcut "
        "*Save to my journal*. Your Home tab shows, searches and deletes entries."
    ),
    "journal_empty": "Your journal is empty for now. Write me anything you want to remember.",
    "journal_latest": "*Your latest entries* ({total} in all):",
    "journal_entry_line": "• {when} — {text}",
    "journal_added_command": ":notebook: Saved to your private journal. Only you can read it.",
    "journal_empty_text": "An empty entry? Write a few words after `/codev journal`.",
    "journal_export_done": Plural(
        "Here is your journal, {count} entry. Only you can see this file.",
        "Here is your journal, {count} entries. Only you can see this file.",
    ),
    "journal_export_empty": "Your journal is empty: nothing to export yet.",
    "journal_export_title": "My codev learning journal",
    "journal_export_failed": "The export could not be uploaded ({error}). Please try again later.",
    "journal_file_only": "Files without text are not saved; add a few words to keep a note in your journal.",
    "journal_thread_reply": "Replies in a thread stay with what they answer; write at the top level to add an entry.",
    "journal_slash_in_thread": "Slash commands do not work inside threads: type `/codev …` at the top level.",
    "journal_quote": "“{text}” — <@{author}>",
    "journal_shortcut_saved": ":notebook: Saved to your journal: “{text}”",
    "forget_confirm": (
        "*Forget me?* This deletes what codev keeps about you alone: your journal (quotes you saved included), "
        "your quiet hours and nudge setting, your time away, the topics you offered at kick-offs, your Home's "
        "search and page, and its copy of your Slack profile. Where your words are part of other people's "
        "records, they become “[deleted]”: your contributions to sessions; the topic, contract, synthesis, "
        "summary and actions of the sessions you brought as client, and your notes on how those actions went; "
        "messages of yours that others saved to their journals. Follow-ups and nudges to you stop.\n"
        "*What stays:* you remain a member of your groups, past sessions still name you in your roles, and a "
        "session running now goes on with you (what you write from now on is kept as usual). "
        "It cannot delete the messages you wrote in Slack itself; delete those in Slack. Posts codev already "
        "made in channels, such as contracts and summaries, stay as they are; kick-off calls drop your topic."
    ),
    "summary_post_failed": (
        "Slack did not take the summary just now. It is kept as you approved it: click *Post it* again in a moment."
    ),
    "slack_deferred_step": (
        "*{step}* is open. Slack is not answering right now: the step's message will be posted as soon as it "
        "does, and its timebox starts then."
    ),
    "slack_deferred_ended": (
        "The session has ended. Slack is not answering right now: the channel will show it as soon as it does, "
        "and the client gets the summary then."
    ),
    "slack_deferred_change": (
        "Done. Slack is not answering right now: the channel will show the change as soon as it does."
    ),
    "slack_deferred_start": (
        "The session is started. Slack is not answering right now: its messages will be posted in the channel "
        "as soon as it does, and the first timebox starts then."
    ),
    "forget_button": "Delete my data",
    "forget_title": "Delete all your codev data?",
    "forget_text": "This cannot be undone.",
    "forget_done": (
        "Done. Deleted: {entries} journal entries, {topics} kick-off topics, and your settings, time away, Home "
        "state and cached profile. Now “[deleted]”: {contributions} contributions, {sessions} sessions you "
        "brought, {actions} actions and {quotes} messages of yours that others saved. Stopped: {follow_ups} "
        "follow-ups and {nudges} nudges. You remain a member of your groups and past sessions still name you. "
        "Your messages in Slack itself are untouched; delete them there if you wish."
    ),
    # ---- App Home ----
    "home_title": "Your co-development",
    "home_start": "Start a session",
    "home_counts": "You have been client {client}×, consultant {consultant}×, facilitator {facilitator}×.",
    "home_sessions": "Your sessions",
    "home_sessions_none": "No session yet. Start one in your group's channel.",
    "home_session_line": "*{topic}* — {role} · {where}",
    "home_session_running": "step {number}/6, {step} in <#{channel}>",
    "home_session_ended": "ended",
    "home_role_client": "client",
    "home_role_consultant": "consultant",
    "home_role_facilitator": "facilitator",
    "home_actions": "Your open actions",
    "home_actions_none": "No open action. Well done.",
    "home_action_line": "{text} _({topic})_",
    "home_action_line_due": "{text} — by {due} _({topic})_",
    "home_action_done": "Done",
    "home_action_postpone": "Postpone or drop…",
    "home_journal": "Your journal",
    "home_journal_private": "Private: only you see this.",
    "home_journal_none": "No entry yet. Write to me in the Messages tab, or use `/codev journal`.",
    "home_journal_no_match": "No entry matches “{query}”.",
    "home_search": "Search your journal (text or #tag)",
    "home_entry_session": "{topic}, {step}",
    "home_entry_more": "… see more",
    "home_entry_delete": "Delete",
    "home_entry_delete_title": "Delete this entry?",
    "home_entry_delete_text": "It will be gone from your journal for good.",
    "home_page": "Entries {first}–{last} of {total}",
    "home_newer": "Newer",
    "home_older": "Older",
    "home_export": "Export as Markdown",
    "home_look_back": ":thought_balloon: {ago} you wrote: “{text}”",
    "home_ago_weeks": Plural("{count} week ago", "{count} weeks ago"),
    "home_ago_days": Plural("{count} day ago", "{count} days ago"),
    "not_yours": "That is not yours to change.",
    # ---- groups ----
    "group_title": "Your co-development group",
    "group_submit": "Save",
    "group_name": "Group name",
    "group_members": "Members",
    "group_members_hint": "The method works best with 5 to 8 peers.",
    "group_charter": "Charter",
    "group_charter_hint": "The group's agreement; new members get it by DM to accept.",
    "group_pace": "Usual pace",
    "group_size_error": Plural(
        "You have {count} member; the method asks for 5 to 8. Tick “Run with this group anyway”.",
        "You have {count} members; the method asks for 5 to 8. Tick “Run with this group anyway”.",
    ),
    "group_default_charter": (
        "• What is said in the group stays in the group.\n"
        "• We listen to understand, without judging.\n"
        "• Consultants ask before they advise; the client decides what to keep.\n"
        "• We show up, on time, for each other."
    ),
    # ---- the group's working calendar, and working time as people read it ----
    "group_work_tz": "Time zone of the working hours",
    "group_work_tz_hint": (
        "An IANA name such as Europe/Paris. Async timeboxes count only the group's working time, read on this "
        "clock. Empty: each session counts in its facilitator's own time zone, Monday to Friday 09:00–17:00."
    ),
    "group_work_tz_missing": "Give the time zone these working days and hours are read in (such as Europe/Paris).",
    "group_work_days": "Working days",
    "group_work_days_hint": "Such as mon-fri, sun-thu or mon,tue,thu.",
    "group_work_hours": "Working hours",
    "group_work_hours_hint": (
        "Such as 09:00-17:00: a working day of 8 h. Async timeboxes count only these hours, and nobody is "
        "notified outside them — read on each member's own Slack time zone; a member's own `/codev quiet` wins."
    ),
    "group_holidays": "Days off (holidays)",
    "group_holidays_hint": (
        "Dates without work, such as 2026-12-25, separated by commas or new lines: they count no working time "
        "and hold notifications."
    ),
    "group_durations_placeholder": "live {live} · async {async_}",
    "start_durations_async": (
        "Timeboxes, in *working hours* — a working day is {day} here ({calendar}). Only working time counts: "
        "evenings, days off and holidays do not."
    ),
    "start_duration_proposed": "Proposed: {label}.",
    "edit_intro_async": (
        "Swap people or change the timeboxes of the steps still to come, in *working hours* — a working day is "
        "{day} here ({calendar})."
    ),
    "edit_duration_now": "Now: {label}.",
    "worktime_calendar": "{days} {hours}, {tz}",
    "worktime_facilitator_zone": "the facilitator's time zone",
    "worktime_half_day": "½ working day",
    "worktime_whole_days": Plural("{count} working day", "{count} working days"),
    "worktime_days": "{days} working days",
    "worktime_days_and": "{days} {rest}",
    "worktime_hours": Plural("{count} working hour", "{count} working hours"),
    "worktime_hours_and": "{hours} {minutes} min",
    "worktime_minutes": "{minutes} min of working time",
    "group_saved": Plural("Group “{name}” saved with {count} member.", "Group “{name}” saved with {count} members."),
    "group_saved_cadence": Plural(
        "Group “{name}” saved with {count} member. Next kick-off: {moment}.",
        "Group “{name}” saved with {count} members. Next kick-off: {moment}.",
    ),
    "group_charter_dm": "You are now in the co-development group “{name}” in <#{channel}>. Its charter:\n\n{charter}",
    "group_charter_accept": "I accept",
    "group_charter_accepted": ":handshake: Thank you: you accepted the group's charter.",
    "group_none": "This channel has no group yet. Create it with `/codev group`.",
    "group_stats_header": Plural("*{name}* — {count} session held", "*{name}* — {count} sessions held"),
    "group_stats_line": "• <@{user}> — {client}, {consultant}, {facilitator}",
    "group_stats_client": "client {count}",
    "group_stats_client_last": "client {count} (last {date})",
    "group_stats_consultant": "consultant {count}",
    "group_stats_consultant_last": "consultant {count} (last {date})",
    "group_stats_facilitator": "facilitator {count}",
    "group_stats_facilitator_last": "facilitator {count} (last {date})",
    "away_set": "Noted: you are away until {date}; rotation skips you meanwhile.",
    "away_back": "Welcome back: rotation counts you in again.",
    "away_usage": "Write `/codev away 2026-12-24` (the day you are back) or `/codev away back`.",
    "away_not_member": "You are not a member of this channel's group.",
    "root_charter_pending": ":scroll: Not yet accepted the group's charter: {people}.",
    # ---- summary ----
    "summary_header": ":memo: *Summary — {topic}*",
    "summary_roles": "*Client:* <@{client}> · *Facilitator:* <@{facilitator}> · *Consultants:* {consultants}",
    "summary_contract": "*Contract*\nNeed: {need}\nExpectations: {expectations}",
    "summary_keep": "*What the client keeps*\n{keep}",
    "summary_actions": "*Action plan*\n{actions}",
    "summary_contribution_line": "• {step}: {count}",
    "summary_none": "_none_",
    "summary_dm": (
        "Your session “{topic}” is over. Here is its summary. It is your case: nothing is posted in "
        "<#{channel}> until you say so."
    ),
    "summary_dm_fallback": "Your co-development summary is ready for your approval",
    "button_post_summary": "Post it",
    "button_edit_summary": "Edit before posting",
    "summary_edit_title": "Edit the summary",
    "summary_edit_submit": "Post",
    "summary_posted": "Posted the summary in <#{channel}>.",
    "summary_posted_fallback": "Session summary: {topic}",
    "summary_client_only": "Only the client approves the summary.",
    "summary_already_posted": "The summary has already been posted.",
    # ---- status ----
    "status_none": "No session is running in this channel. Start one with `/codev start`.",
    "status_line": "• *{topic}* — step {number}/6, {step}; {left} (facilitator <@{facilitator}>)",
    "status_left": "{left} left",
    "status_overdue": "over time by {left}",
    "status_paused": "paused",
    "status_more": Plural(
        "…and 1 more session, not listed here: the list is too long for one message.",
        "…and {count} more sessions, not listed here: the list is too long for one message.",
    ),
    "duration_days": "{n} d",
    "duration_hours": "{n} h",
    "duration_minutes": "{n} min",
    "duration_seconds": "{n} s",
    # ---- steps ----
    "step_presentation": "Presentation",
    "step_clarification": "Clarification",
    "step_contract": "Contract",
    "step_consultation": "Consultation",
    "step_synthesis": "Synthesis & action plan",
    "step_learning": "Learning",
    # ---- group durations and cadence ----
    "group_durations": "Step durations",
    "group_durations_hint": (
        "Six numbers, in minutes for a live pace or working hours for an async one: Presentation, Clarification, "
        "Contract, Consultation, Synthesis, Learning. Empty: the method's defaults — live {live} minutes; async "
        "{async_} working hours, that is {days} with a working day of {day}."
    ),
    "group_durations_error": (
        "Give six whole numbers (at most {live} minutes live, {async_} working hours async), e.g. {example}."
    ),
    "group_cadence": "Recurring sessions",
    "group_cadence_none": "No cadence: start sessions by hand",
    "group_cadence_every_1": "Every week",
    "group_cadence_every_2": "Every other week",
    "group_cadence_every_3": "Every three weeks",
    "group_cadence_every_4": "Every four weeks",
    "group_cadence_first": "Next session on",
    "group_cadence_first_hint": "Its weekday and week set the rhythm.",
    "group_cadence_time": "At",
    "group_cadence_tz": "Time zone",
    "group_cadence_tz_hint": "An IANA name such as Europe/Paris or America/Montreal.",
    "group_cadence_error_date": "Choose the date of the next session (today or later).",
    "group_cadence_error_time": "Choose the time of the sessions.",
    "group_cadence_error_tz": "“{tz}” is not a time zone codev knows. Try a name such as Europe/Paris.",
    "group_stats_cadence": "Recurring: {rhythm}. Next kick-off {moment}.",
    "weekday_0": "Monday",
    "weekday_1": "Tuesday",
    "weekday_2": "Wednesday",
    "weekday_3": "Thursday",
    "weekday_4": "Friday",
    "weekday_5": "Saturday",
    "weekday_6": "Sunday",
    "cadence_every_1": "every {weekday} at {at} ({tz})",
    "cadence_every_2": "every other {weekday} at {at} ({tz})",
    "cadence_every_3": "every three weeks on {weekday} at {at} ({tz})",
    "cadence_every_4": "every four weeks on {weekday} at {at} ({tz})",
    # ---- kick-off of a recurring session ----
    "kickoff_text": "{name}: who brings a challenge this time?",
    "kickoff_intro": (
        ":wave: *{name}* — session time, {moment}. *Who brings a challenge this time?*\n"
        "Write it in one line below and click *I have a challenge*. <@{facilitator}> facilitates and picks the client."
    ),
    "kickoff_no_volunteer": "No volunteer yet.",
    "kickoff_volunteers": "*Volunteers*",
    "kickoff_volunteer_line": "<@{user}> — {topic}",
    "kickoff_volunteer_line_picked": "<@{user}> — {topic}  :white_check_mark: *picked*",
    "kickoff_topic_label": "Your challenge, in one line",
    "kickoff_topic_placeholder": "e.g. How do I say no to my director without losing her trust?",
    "kickoff_volunteer_button": "I have a challenge",
    "kickoff_withdraw_button": "Withdraw",
    "kickoff_pick_button": "Pick",
    "kickoff_start_button": "Start the session",
    "kickoff_start_hint": (
        "<@{facilitator}>: {client} will be the client. Click *Start the session* to check the roles."
    ),
    "kickoff_started": ":arrow_forward: The session has started: {link}",
    "kickoff_topic_missing": "Write your challenge in one line in the field above, then click *I have a challenge*.",
    "kickoff_volunteered": "Thank you: you are on the list. <@{facilitator}> picks the client.",
    "kickoff_unknown": "This kick-off no longer exists.",
    "kickoff_lost_channel": (
        "I could not post *{name}*'s kick-off in <#{channel}> ({error}). If the channel still lives, invite me "
        "back with `/invite @codev`; the next kick-off is planned as usual."
    ),
    "kickoff_lapsed": "This call has closed without a session; the newer one is further down the channel.",
    "kickoff_already_started": "This kick-off already led to a session.",
    "kickoff_not_facilitator": "Only <@{facilitator}>, who facilitates this session, can pick the client and start it.",
    "kickoff_not_volunteer": "That person is not on the volunteers' list (any more).",
    "kickoff_nobody": (
        "Nobody has volunteered yet for *{name}*'s session ({moment}) in <#{channel}>. By rotation it would be "
        "<@{client}>'s turn as client: you may ask them, or start with whoever you agree on."
    ),
    "kickoff_nobody_no_turn": (
        "Nobody has volunteered yet for *{name}*'s session ({moment}) in <#{channel}>. Start with whoever you agree on."
    ),
    "kickoff_waiting_pick_person": (
        "<@{user}> volunteered for *{name}*'s session in <#{channel}>: pick them there, then start it."
    ),
    "kickoff_waiting_pick": Plural(
        "{count} person volunteered for *{name}*'s session in <#{channel}>: pick the client there, then start it.",
        "{count} people volunteered for *{name}*'s session in <#{channel}>: pick the client there, then start it.",
    ),
    # ---- action follow-up ----
    "follow_up_text": "How did “{action}” go?",
    "follow_up_intro": ":seedling: How did *{action}* go? _(from the session “{topic}”, due {due})_",
    "follow_up_done": "Done",
    "follow_up_postponed": "Postponed",
    "follow_up_dropped": "Dropped",
    "follow_up_title": "How did it go?",
    "follow_up_submit": "Save",
    "follow_up_status": "Outcome",
    "follow_up_new_date": "New date (if postponed)",
    "follow_up_note": "A short note",
    "follow_up_note_hint": "What happened, what you learned. Optional.",
    "follow_up_share": "Sharing",
    "follow_up_share_option": "Share this with the group at its next session",
    "follow_up_error_date": "Choose a new date, today or later.",
    "follow_up_recorded": "Noted: “{action}” — {status}.",
    "follow_up_recorded_note": "Noted: “{action}” — {status}. {note}",
    "follow_up_recorded_shared": "Noted: “{action}” — {status}. Shared with the group.",
    "follow_up_recorded_note_shared": "Noted: “{action}” — {status}. {note} Shared with the group.",
    "follow_up_gone": "This action no longer exists, or it is not yours.",
    "outcome_done": "done",
    "outcome_postponed": "postponed to {due}",
    "outcome_dropped": "dropped",
    "outcome_open": "open",
    "shared_outcomes": (
        ":seedling: *Since last time* — <@{client}> brought “{topic}”. Where their actions stand:\n{lines}"
    ),
    "shared_outcome_line": "• {action} — *{status}*",
    "shared_outcome_line_note": "• {action} — *{status}* — {note}",
    "home_outcomes": "Recent outcomes",
    "home_groups": "Your groups",
    "home_group_line": "• {name} in <#{channel}>",
    "home_group_line_next": "• {name} in <#{channel}> — next kick-off {moment}",
    "home_group_line_away": "• {name} in <#{channel}> — you are away until {date} (`/codev away back` to return)",
    "home_group_line_next_away": (
        "• {name} in <#{channel}> — next kick-off {moment} — you are away until {date} (`/codev away back` to return)"
    ),
    "home_outcome_line": "{action} — *{status}* _({topic})_",
    "home_outcome_line_note": "{action} — *{status}* — {note} _({topic})_",
    "pace_live": "Live (minutes)",
    "pace_async": "Async (working hours)",
    # ---- method: the right people at each turn, the facilitator panel ----
    "only_facilitator_pick": (
        "Only the facilitator, <@{facilitator}>, can use the Facilitator menu. It keeps the pace for everyone."
    ),
    "stale_click": "The session has changed since this message was sent; nothing was done. Look at the step again.",
    "continue_not_needed": "The step has time left already (until {deadline}); nothing was added.",
    "end_confirm_cancel": "Cancel",
    "pick_failed": (
        "Slack did not open that just now ({error}); nothing changed. Pick it again in the Facilitator menu."
    ),
    "pick_failed_expired": (
        "That took too long for Slack to open the form; nothing changed. Pick it again in the Facilitator menu."
    ),
    "turn_presentation": "{client} presents the situation; the consultants listen without interrupting.",
    "turn_clarification": "Consultants ask neutral questions; {client} answers.",
    "turn_contract": "{client} states what they need and expect from the group; the consultants listen.",
    "turn_consultation": "Consultants share ideas; {client} listens and takes notes.",
    "turn_synthesis": "{client} says what they keep and names their next actions; the consultants listen.",
    "turn_learning": "Everyone says what they take away, the facilitator too.",
    "step_turn": ":speech_balloon: *Your turn:* {who}\n{turn}",
    "step_fallback_turn": "Step {number}/6 · {step}: {turn} Your turn: {who} — until {deadline}",
    "facilitator_menu": "Facilitator",
    "facilitator_option_next": "Next step",
    "facilitator_option_finish": "Finish the session",
    "facilitator_option_extend": "Extend +{amount}",
    "facilitator_option_pause": "Pause",
    "facilitator_option_resume": "Resume",
    "facilitator_option_handover": "Hand over facilitation",
    "facilitator_option_edit": "Edit people and timeboxes",
    "facilitator_option_end": "End the session…",
    "end_confirm_question": (
        "*End the session for everyone?* This closes the current step and skips the ones left. "
        "The client then gets the summary."
    ),
    "end_confirm_button": "End the session",
    "stale_pick": "The session has changed since this menu was shown; nothing was done. Look at the step again.",
    # ---- method: contract, consultation and synthesis ----
    "contract_problem": "How I see my problem now",
    "contract_problem_hint": (
        "After the questions, your problem may look different. If it does, say it again in your own words."
    ),
    "contract_post_with_problem": (
        ":handshake: *<@{client}>'s contract*\n*How I see my problem now:* {problem}\n*Need:* {need}\n"
        "*Expectations of the group:* {expectations}"
    ),
    "error_text_long": "Keep this under {limit} characters.",
    "consultation_contract_linked": ":handshake: *The contract* (<{link}|see the Contract thread>)",
    "consultation_contract_unlinked": ":handshake: *The contract* (in the Contract thread above)",
    "consultation_contract_problem": "*How the client sees the problem now:* {problem}",
    "consultation_contract_need": "*Need:* {need}",
    "consultation_contract_expectations": "*Expectations of the group:* {expectations}",
    "consultation_no_contract": (
        ":grey_question: *No contract was written* in the Contract step: the client has not said what they "
        "need from the group. Keep to the problem as they presented it."
    ),
    "synthesis_contract_context": "*Your contract*\n{contract}",
    "synthesis_no_contract_context": (
        "You wrote no contract in the Contract step: answer against what you hoped for when you came."
    ),
    "synthesis_got": "Did you get what you asked for?",
    "synthesis_got_yes": "Yes",
    "synthesis_got_partly": "Partly",
    "synthesis_got_no": "No",
    "synthesis_got_note": "A word about it",
    "synthesis_got_note_hint": "What was missing, or what you got that you did not expect.",
    "synthesis_got_post_yes": "*Did I get what I asked for?* Yes.",
    "synthesis_got_post_partly": "*Did I get what I asked for?* Partly.",
    "synthesis_got_post_no": "*Did I get what I asked for?* No.",
    "synthesis_got_post_note": "_{note}_",
    "summary_contract_with_problem": (
        "*Contract*\nHow the client sees the problem now: {problem}\nNeed: {need}\nExpectations: {expectations}"
    ),
    "summary_got_yes": "*Did the client get what they asked for?* Yes.",
    "summary_got_partly": "*Did the client get what they asked for?* Partly.",
    "summary_got_no": "*Did the client get what they asked for?* No.",
    "summary_got_note": "_{note}_",
    "action_line_owned": "{n}. {text} — <@{owner}>",
    "action_line_owned_due": "{n}. {text} — <@{owner}> — due {due}",
    "summary_contributions_expected": "*Contributions* (what each role was expected to say)\n{lines}",
    "summary_contribution_contract_line": "• {step}: {count} (the client's contract counts as one)",
    "summary_contribution_synthesis_line": "• {step}: {count} (the client's synthesis counts as one)",
    "summary_contribution_roles": (
        "By role: the client {client} · the consultants {consultants} · the facilitator {facilitator}"
    ),
    "summary_edit_intro": (
        "Change what goes in the summary. Names, dates and the rest of the summary are written for you."
    ),
    "summary_edit_keep": "What I keep",
    "summary_edit_kept": "Ideas I keep",
    "summary_edit_action": "Action {n}",
    "summary_edit_owner": "Who does action {n}",
    "summary_edit_due": "Due date for action {n}",
    "error_summary_empty": "Write what you keep, keep an idea or name an action: the summary needs one of them.",
    "error_action_owner": "Choose who does this action.",
    "error_got_missing": "Choose yes, partly or no: your word about it goes with that answer.",
    # ---- method: coaching (questions, advice, off-role posts) ----
    "private_note_dm_where": "codev could not show you this note in <#{channel}>, so it comes here:",
    "private_note_dm_where_thread": (
        "codev could not show you this note in <#{channel}>, so it comes here. It is about <{link}|this thread>:"
    ),
    "coach_judgment": (
        ":seedling: That may read as a judgment of the client. Co-development works without verdicts: in "
        "Clarification, ask what happened; in Consultation, offer your view as a hypothesis (“One hypothesis: …”)."
    ),
    "coach_one_question": (
        ":seedling: Several questions in one message: one question at a time lets the client answer each. "
        "You can ask the next one once they have answered."
    ),
    "coach_listen_presentation": (
        ":ear: In Presentation the client speaks and the consultants listen. Keep your questions for "
        "Clarification, the next step; your message stays where it is."
    ),
    "coach_listen_contract": (
        ":ear: In Contract the client says what they need from the group, and the consultants listen. Your ideas "
        "are welcome in Consultation; your message stays where it is."
    ),
    # ---- method: the loop after the session (Learning prompts, debrief, evaluation) ----
    "evaluation_results_refreshed": Plural(
        "Shown at {count} answer. To keep every answer anonymous, these results change only at set numbers of "
        "answers, never after a single one: the next update comes at {next} answers.",
        "Shown at {count} answers. To keep every answer anonymous, these results change only at set numbers of "
        "answers, never after a single one: the next update comes at {next} answers.",
    ),
    "evaluation_results_refreshed_last": Plural(
        "Shown at {count} answer. To keep every answer anonymous, these results change only at set numbers of "
        "answers, never after a single one.",
        "Shown at {count} answers. To keep every answer anonymous, these results change only at set numbers of "
        "answers, never after a single one.",
    ),
    "evaluation_results_more": Plural(
        "…and 1 more comment, which does not fit in this message.",
        "…and {count} more comments, which do not fit in this message.",
    ),
    "learning_prompts": (
        "*The method's four prompts* — take the ones that speak to you:\n"
        "• *What I appreciated* in this session.\n"
        "• *What I expected* coming in, and whether it came.\n"
        "• *What I learned*, for my own practice.\n"
        "• *What I will apply*, and when."
    ),
    "after_summary_posted": "The summary of *{topic}* is posted: <{link}|read it in the channel>.",
    "after_summary_posted_nolink": "The summary of *{topic}* is posted in <#{channel}>.",
    "after_journal_prompt": (
        "What do you take away from this session? Reply here: what you write to me goes to your private "
        "learning journal, which only you can read."
    ),
    "after_fallback": "The summary of “{topic}” is posted. What do you take away? Reply here for your journal.",
    "after_fallback_facilitator": (
        "The summary of “{topic}” is posted. What do you take away? And a short debrief of your facilitation, "
        "for your journal."
    ),
    "debrief_offer": (
        "*You facilitated.* A short debrief, for you alone: how you held the frame, the timing, the climate. "
        "It goes to your private journal; nobody else sees it."
    ),
    "debrief_button": "Write my debrief",
    "debrief_title": "Facilitator debrief",
    "debrief_intro": "Your debrief of *{topic}*. It goes to your private journal: only you will read it.",
    "debrief_again": "You wrote a debrief of this session already: saving replaces it.",
    "debrief_frame": "How I held the frame",
    "debrief_frame_hint": "The steps, the roles, questions before advice, confidentiality.",
    "debrief_timing": "The timing",
    "debrief_timing_hint": "Timeboxes kept or stretched, moments rushed or dragging.",
    "debrief_climate": "The climate",
    "debrief_climate_hint": "Trust, listening, how the client was held.",
    "debrief_submit": "Save to my journal",
    "debrief_empty": "Write at least one of the three answers.",
    "debrief_not_yours": "Only the session's facilitator writes its debrief.",
    "debrief_saved": ":notebook: Your debrief is in your private journal.",
    "debrief_entry_title": "Debrief of my facilitation — {topic}",
    "debrief_entry_frame": "How I held the frame: {text}",
    "debrief_entry_timing": "The timing: {text}",
    "debrief_entry_climate": "The climate: {text}",
    "evaluation_dm": (
        "Time for a short evaluation of how *{group}* works: the climate, the listening, the respect of the "
        "method. It takes a minute."
    ),
    "evaluation_anonymous": (
        "Anonymous: your answer is kept without your name. The group sees only averages and comments without "
        "names, and only once at least three people have answered."
    ),
    "evaluation_button": "Evaluate the group",
    "evaluation_title": "How the group works",
    "evaluation_intro": "How does *{group}* work together? 1 is poor, 5 is excellent. Your answer is anonymous.",
    "evaluation_climate": "Climate",
    "evaluation_climate_hint": "Trust, safety, confidentiality kept.",
    "evaluation_listening": "Listening",
    "evaluation_listening_hint": "Do we listen to the client and to each other?",
    "evaluation_method": "Respect of the method",
    "evaluation_method_hint": "Steps in order, questions before advice, the client owns the contract.",
    "evaluation_comment": "A comment for the group (optional)",
    "evaluation_comment_hint": "Shown to the group without your name, among the others.",
    "evaluation_score_1": "1 · poor",
    "evaluation_score_2": "2 · fair",
    "evaluation_score_3": "3 · good",
    "evaluation_score_4": "4 · very good",
    "evaluation_score_5": "5 · excellent",
    "evaluation_submit": "Send anonymously",
    "evaluation_pick_one": "Pick a score from 1 to 5.",
    "evaluation_thanks": (
        "Thank you: your evaluation of *{group}* is in, anonymously. The group will see the results once at "
        "least three people have answered."
    ),
    "evaluation_already": "You already answered this evaluation, thank you! Each person answers once.",
    "evaluation_not_member": "This evaluation is for the members of the group.",
    "evaluation_gone": "This evaluation is no longer open.",
    "evaluation_results_header": "How {group} works: the group's evaluation",
    "evaluation_results_count": Plural("*{count} answer* so far.", "*{count} answers* so far."),
    "evaluation_results_scores": (
        "Climate: *{climate}* / 5\nListening: *{listening}* / 5\nRespect of the method: *{method}* / 5"
    ),
    "evaluation_results_comments": "*Comments*, without names and in no particular order:",
    "evaluation_results_comment": "> {text}",
    "evaluation_results_anonymous": "Averages of anonymous answers: nobody, codev included, can tell who said what.",
    "evaluation_results_fallback": Plural(
        "{group}'s evaluation: {count} answer. Climate {climate}/5, listening {listening}/5, respect of the "
        "method {method}/5.",
        "{group}'s evaluation: {count} answers. Climate {climate}/5, listening {listening}/5, respect of the "
        "method {method}/5.",
    ),
    "forget_done_evaluation": Plural(
        "Kept: the record that you answered a group evaluation, which holds none of your words (deleting it "
        "would let you answer the same evaluation twice). Your answer itself stays, anonymous: nothing links it "
        "to you.",
        "Kept: the record that you answered {count} group evaluations, which holds none of your words (deleting "
        "it would let you answer the same evaluations twice). Your answers themselves stay, anonymous: nothing "
        "links them to you.",
    ),
    "forget_confirm_evaluations": (
        "Your answers to group evaluations stay, anonymous: nothing links them to you. The record that you "
        "answered stays too, without your words: it only keeps you from answering the same evaluation twice. "
        "The messages codev still owes you after a session are cancelled."
    ),
    # ---- method: the charter as a frame, and polish ----
    "start_charter_pending": Plural(
        ":scroll: In this group, {people} has not accepted the charter yet.",
        ":scroll: In this group, {people} have not accepted the charter yet.",
    ),
    "start_charter_pending_required": Plural(
        ":scroll: In this group, {people} has not accepted the charter yet. The group asks for it before taking "
        "part: choose them once they have accepted it.",
        ":scroll: In this group, {people} have not accepted the charter yet. The group asks for it before taking "
        "part: choose them once they have accepted it.",
    ),
    "group_modal_title": "Co-development group",
    "group_charter_required": "Charter before taking part",
    "group_charter_required_option": "Members take part only once they have accepted the charter",
    "group_charter_required_hint": (
        "When ticked, a session cannot start with someone who has not accepted the charter yet: "
        "codev sends it to them privately and the start waits for their “I accept”."
    ),
    "group_evaluation_every": "Evaluate how the group works every N sessions",
    "group_evaluation_every_hint": (
        "After every this many sessions, members get a short anonymous evaluation of how the group works "
        "(climate, listening, the method). 0: never."
    ),
    "group_evaluation_every_error": "Give a whole number of sessions, from 0 (never) to {max}.",
    "group_size_count_hint": Plural(
        "You chose {count} member; the method works best with 5 to 8 peers. Tick to keep this group anyway.",
        "You chose {count} members; the method works best with 5 to 8 peers. Tick to keep this group anyway.",
    ),
    "group_size_explain": Plural(
        ":raised_hand: You chose {count} member; the method works best with 5 to 8 peers. "
        "Tick “Run with this group anyway” below to keep them, or change the members.",
        ":raised_hand: You chose {count} members; the method works best with 5 to 8 peers. "
        "Tick “Run with this group anyway” below to keep them, or change the members.",
    ),
    "group_charter_dm_session": (
        ":scroll: A co-development session you are part of is starting in <#{channel}>. Before it, please read "
        "the charter of the group “{name}” and accept it:\n\n{charter}"
    ),
    "group_charter_accepted_dm": (
        ":handshake: Thank you: you accepted the charter of the co-development group “{name}” in <#{channel}>:"
        "\n\n{charter}"
    ),
    "start_charter_required": Plural(
        "{names} has not accepted the group's charter yet, and this group asks for it before taking part. "
        "codev has sent it to them privately: start once they have accepted it.",
        "{names} have not accepted the group's charter yet, and this group asks for it before taking part. "
        "codev has sent it to them privately: start once they have accepted it.",
    ),
    "charter_pending_note": Plural(
        ":scroll: {people} has not accepted the group's charter yet. codev has asked them privately; "
        "you may recall the frame as the session opens.",
        ":scroll: {people} have not accepted the group's charter yet. codev has asked them privately; "
        "you may recall the frame as the session opens.",
    ),
    "journal_export_stamp": "Exported on {moment} ({tz})",
    "journal_export_loose": "Notes",
    # ---- dates (issue 15): Slack renders the {date} and {time} tokens in each reader's zone and language ----
    "date_at_time": "{date} at {time}",
    "date_fallback_utc": "{moment} UTC",
    # ---- installing in several workspaces (issue 17) ----
    "oauth_not_installed": "codev is not installed in this workspace (or was removed from it). Someone who may "
    "add apps can install it again from codev's install page.",
    "oauth_installed_title": "codev is installed",
    "oauth_installed_body": "codev is now installed in {team}. Next, in Slack: invite @codev to the channel where "
    "your group meets (type /invite @codev there), then type /codev start to run your first session. "
    "You can close this page.",
    "oauth_cancelled_title": "codev was not installed",
    "oauth_cancelled_body": "The install was cancelled in Slack, so codev was not added to your workspace. To try "
    "again, open the install page once more.",
    "oauth_failed_title": "codev could not be installed",
    "oauth_bad_state_body": "This install link has expired or was not started from this browser. Open the install "
    "page again and finish the install within 10 minutes, in the same browser.",
    "oauth_bad_code_body": "Slack did not confirm this install (its code was refused or already used). Open the "
    "install page again to start over.",
    "oauth_storage_body": "Slack approved the install, but codev could not save it. Please try again in a few "
    "minutes; if it keeps failing, tell whoever runs codev.",
    "oauth_failed_body": "Slack ended the install with this reason: {reason}. Open the install page again to start "
    "over.",
    # ---- languages (issue 15) ----
    "language_current_choice": "codev speaks to you in {language}: your choice.",
    "language_current_slack": "codev speaks to you in {language}, your Slack language.",
    "language_current_unsupported": (
        "codev speaks to you in {language}: it does not speak your Slack language ({locale}) yet."
    ),
    "language_current_unknown": "codev speaks to you in {language}: Slack has not told codev your language.",
    "language_choices": (
        "Choose with `/codev language` followed by one of:\n{options}\n"
        "What a group's channel reads is set in the group's settings (`/codev group`)."
    ),
    "language_option": "• `{code}` — {name}",
    "language_option_auto": "• `auto` — your Slack language",
    "language_unknown": "codev does not speak “{given}”. It speaks:\n{options}",
    "language_set": "Done: codev now speaks to you in {language}. `/codev language auto` follows your Slack language.",
    "language_set_auto": "Done: codev follows your Slack language, and speaks to you in {language}.",
    "group_language": "Channel language",
    "group_language_hint": "What the group's channel reads: steps, notes, summaries. Each person's own messages "
    "follow their language.",
    "group_language_auto": "Automatic — most members (currently: {language})",
    "group_language_unknown": "codev does not speak this language (any more): choose one from the list.",
    "group_stats_language": "Channel language: {language}.",
    "group_stats_language_auto": "Channel language: {language} (most members).",
    # ---- proof (issue 15): `codev demo --lang`, printed as a person would read it ----
    "demo_only_sees": "(only {name} sees)",
    "demo_opened": (
        "When Presentation opened (Tuesday 10:00 in Paris, 04:00 in Montreal where Bob works), its message read — "
        "Bob named, not notified, until his day starts:"
    ),
    "demo_dms": "@{name}'s direct messages with codev (only they see these)",
    "demo_end": (
        "The group and its session ran against codev's built-in Slack stand-in. Set SLACK_BOT_TOKEN (see README) "
        "to run codev in your workspace."
    ),
    # ---- proof (issue 15): the group modal's working calendar, refused in the reader's words (bot/domain/workcal.py
    # says the same in English, for configuration errors) ----
    "calendar_tz_unknown": "“{value}” is not a time zone (for instance Europe/Paris).",
    "calendar_days_unknown": "“{value}” is not a day or a range of days (for instance mon-fri or mon,wed,fri).",
    "calendar_days_none": "Give at least one working day (for instance mon-fri).",
    "calendar_hours_unknown": "“{value}” is not a span of hours (for instance 09:00-17:00).",
    "calendar_hours_order": "Working hours end after they start, on the same day (for instance 09:00-17:00).",
    "calendar_holiday_unknown": "“{value}” is not a date written as 2026-12-25.",
}


def placeholders(key: str) -> set[str]:
    """The {names} a message expects; used by tests to keep catalogues consistent."""
    english = EN[key]
    texts = (english.one, english.other) if isinstance(english, Plural) else (english,)
    return {name for text in texts for _, name, _, _ in Formatter().parse(text) if name}
