"""The domain's words as msgids, shared by pages, exports and reports (translated when shown)."""
from workflows.model import N_

LEVEL_LABELS = {"school": N_("School"), "major": N_("Major"), "course": N_("Course"),
                "teacher": N_("Teacher"), "student": N_("Student"),
                "analysis": N_("Department analysis report"),
                "college_analysis": N_("College analysis report"),
                "annual": N_("Annual quality report"),
                "annual_part": N_("Part of the annual quality report")}
