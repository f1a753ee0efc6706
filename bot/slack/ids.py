"""action_id, block_id and callback_id values: the contract between Block Kit builders and listeners."""

# step controls (value: "<session id>:<step number>"; the time's-up DM's Continue and Move on and the End
# confirmation add ":<session version>", the version they were sent for: stale or double clicks change nothing)
DONE = "step_done"
NEXT = "step_next"
EXTEND = "step_extend"
PAUSE = "step_pause"
RESUME = "step_resume"
END = "step_end"
END_CANCEL = "step_end_cancel"  # the End confirmation's Cancel: puts the confirmation away
HANDOVER = "step_handover"
EDIT = "step_edit"
TAKE_OVER = "step_take_over"
CONTRACT_OPEN = "contract_open"
SYNTHESIS_OPEN = "synthesis_open"
# A step message's actions: "<PEOPLE_BLOCK>.<version>.<unix time>.<random hex>", new at each drawing. Slack keeps
# showing a select's last pick while its block id stays the same, and sends nothing when that option is picked
# again: a new id puts the Facilitator menu back to its label.
PEOPLE_BLOCK = "step_people"
# The facilitator's controls, one menu (static_select) in the step message. Each option's value is
# "<control's action id>|<session id>:<step number>:<session version>"; a pick is answered as the button
# with that action id would be, and refused when the session has changed since (stale or double pick).
FACILITATOR_MENU = "step_facilitator_menu"
FACILITATOR_CONTROLS = (NEXT, EXTEND, PAUSE, RESUME, HANDOVER, EDIT, END)

# summary (value: "<session id>")
SUMMARY_POST = "summary_post"
SUMMARY_EDIT = "summary_edit"
SUMMARY_BLOCK = "summary_actions"

# missing channel members (value: "<channel id>:<user ids, comma separated>")
INVITE = "invite_members"

# modals
START_VIEW = "start_session"
START_PACE = "start_pace"
CONTRACT_VIEW = "contract"
SYNTHESIS_VIEW = "synthesis"
HANDOVER_VIEW = "handover"
EDIT_VIEW = "edit_session"
SUMMARY_EDIT_VIEW = "summary_edit_view"
NOTICE_VIEW = "notice"

# journal and App Home (values: an entry, action item or page number)
JOURNAL_UNDO = "journal_undo"
JOURNAL_SHORTCUT = "save_to_journal"
FORGET_ME = "forget_me"
HOME_START = "home_start"
HOME_EXPORT = "home_export"
HOME_SEARCH = "home_search"
HOME_PAGE = "home_page"
HOME_ENTRY_DELETE = "home_entry_delete"
HOME_ENTRY_MORE = "home_entry_more"
HOME_ACTION_DONE = "home_action_done"
HOME_ACTION_POSTPONE = "home_action_postpone"  # opens the follow-up modal: postpone, or drop, with a note

# groups
GROUP_VIEW = "group"
CHARTER_ACCEPT = "charter_accept"  # value: "<group id>"

# recurring sessions' kick-off (values: "<kick-off id>", or "<kick-off id>:<user id>" to pick)
KICKOFF_TOPIC_BLOCK = "kickoff_topic_block"
KICKOFF_TOPIC = "kickoff_topic"
KICKOFF_ACTIONS_BLOCK = "kickoff_actions"
KICKOFF_VOLUNTEER = "kickoff_volunteer"
KICKOFF_WITHDRAW = "kickoff_withdraw"
KICKOFF_PICK = "kickoff_pick"
KICKOFF_START = "kickoff_start"

# action follow-ups (value: "<action item id>")
FOLLOW_UP_BLOCK = "follow_up"
FOLLOW_UP_DONE = "follow_up_done"
FOLLOW_UP_POSTPONED = "follow_up_postponed"
FOLLOW_UP_DROPPED = "follow_up_dropped"
FOLLOW_UP_VIEW = "follow_up_view"
