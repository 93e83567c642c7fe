"""The domain's words as msgids, shared by pages, exports and reports (translated when shown).

Templates reach them as `labels` and translate only the one they show."""
from workflows.model import N_

LEVEL_LABELS = {"school": N_("School"), "major": N_("Major"), "course": N_("Course"),
                "teacher": N_("Teacher"), "student": N_("Student"),
                "analysis": N_("Department analysis report"),
                "college_analysis": N_("College analysis report"),
                "annual": N_("Annual quality report"),
                "annual_part": N_("Part of the annual quality report")}

STATUS_LABELS = {"filling": N_("Filling in"), "draft": N_("Filling in"),
                 "submitted": N_("Under review"), "returned": N_("Returned"),
                 "approved": N_("Approved"), "expired": N_("Not reviewed in time"),
                 "closed": N_("Closed")}

ACTION_LABELS = {"launch": N_("Launched"), "submit": N_("Submitted"), "approve": N_("Approved"),
                 "return": N_("Returned for revision"), "advance": N_("Moved to next stage"),
                 "timer": N_("Moved on by timer"), "remind": N_("Reminder sent"),
                 "draft": N_("Draft saved"), "attach": N_("Evidence attached"),
                 "comment": N_("Commented"), "claim": N_("Claimed"),
                 "release": N_("Released to the group"), "reassign": N_("Reassigned"),
                 "delegate": N_("Delegated"), "resolve": N_("Handed back"), "urge": N_("Urged"),
                 "migrate": N_("Moved to another version"),
                 "carry_over": N_("Measures carried from the last turn")}

LIGHT_LABELS = {"met": N_("Met"), "short": N_("Short of target"),
                "yellow": N_("Yellow warning"), "red": N_("Red warning")}

TARGET_STATUS_LABELS = {"pending": N_("Awaiting confirmation"), "confirmed": N_("Confirmed"),
                        "returned": N_("Returned")}
