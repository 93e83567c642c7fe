"""The default major-level (专业) cycle: nine stages of the 8-shaped spiral, version 1."""
from workflows.model import N_, Definition, Field, ReminderRule, ReviewStep, Stage, Timer

DEPARTMENT = ReviewStep(role="unit_leader", tier="department", label=N_("the department head"))
QUALITY_OFFICE = ReviewStep(role="quality_office", tier="college", label=N_("the quality office"))

FULL_CHAIN = (DEPARTMENT, QUALITY_OFFICE)
DEPARTMENT_ONLY = (DEPARTMENT,)

SUMMARY = Field("summary", N_("Summary"), multiline=True)
NOTES = Field("notes", N_("Notes"), required=False, multiline=True)

TARGET_ROWS = Field("targets", N_("Targets"), type="table", columns=(
    Field("indicator", N_("Indicator")),
    Field("baseline", N_("Baseline"), type="number"),
    Field("target", N_("Target value"), type="number"),
    Field("deadline", N_("Deadline"), type="date"),
))

STANDARD_ROWS = Field("standards", N_("Standards (quality control points)"), type="table", columns=(
    Field("kind", N_("Kind"), type="choice", choices=(
        ("plan", N_("Plan")), ("resource", N_("Resource")),
        ("action", N_("Action")), ("result", N_("Result")))),
    Field("indicator", N_("Indicator")),
    Field("target", N_("Target value"), type="number"),
    Field("standard", N_("Standard value"), type="number"),
    Field("warning", N_("Warning value"), type="number"),
))

TASK_ROWS = Field("tasks", N_("Task breakdown"), type="table", columns=(
    Field("item", N_("Item")),
    Field("owner", N_("Responsible person")),
    Field("start", N_("Start"), type="date"),
    Field("end", N_("End"), type="date"),
))

ACHIEVEMENT_ROWS = Field("achievements", N_("Achievement of targets"), type="table", columns=(
    Field("indicator", N_("Indicator")),
    Field("target", N_("Target value"), type="number"),
    Field("actual", N_("Actual value"), type="number"),
    Field("met", N_("Met?"), type="choice", choices=(("yes", N_("Met")), ("no", N_("Not met")))),
    Field("cause", N_("Cause"), required=False),
))

MEASURE_ROWS = Field("measures", N_("Improvement measures"), type="table", columns=(
    Field("problem", N_("Problem")),
    Field("measure", N_("Measure")),
    Field("owner", N_("Responsible person")),
    Field("deadline", N_("Deadline"), type="date"),
))

MAJOR_V1 = Definition(
    name="major",
    version=1,
    level="major",
    label=N_("Major diagnosis and improvement cycle"),
    owner_role="major_lead",
    review_days=5,
    stages=(
        Stage("target", N_("Target"), (SUMMARY, TARGET_ROWS), FULL_CHAIN, fill_days=14),
        Stage("standard", N_("Standard"), (SUMMARY, STANDARD_ROWS), FULL_CHAIN, fill_days=14),
        Stage("design", N_("Design"), (
            Field("plan_title", N_("Plan title")),
            Field("plan", N_("Implementation plan"), multiline=True),
            Field("budget", N_("Budget (CNY 10k)"), type="number", required=False),
        ), DEPARTMENT_ONLY, fill_days=14),
        Stage("organize", N_("Organize"), (TASK_ROWS, NOTES), DEPARTMENT_ONLY, fill_days=10),
        Stage("implement", N_("Implement"), (
            Field("progress", N_("Progress report"), multiline=True),
            Field("completion", N_("Completion rate (percent)"), type="number"),
        ), DEPARTMENT_ONLY, timer=Timer("monitor_at", days_before_period_end=80)),
        Stage("monitor", N_("Monitor"), (
            Field("status", N_("Overall indicator status"), type="choice", choices=(
                ("green", N_("All indicators on track")), ("yellow", N_("Some warnings")),
                ("red", N_("Serious warnings")))),
            Field("rectification", N_("Rectification taken"), multiline=True, required=False),
        ), DEPARTMENT_ONLY, timer=Timer("diagnose_at", days_before_period_end=65)),
        Stage("diagnose", N_("Diagnose"), (
            ACHIEVEMENT_ROWS,
            Field("strengths", N_("Achievements"), multiline=True),
            Field("problems", N_("Problems and causes"), multiline=True),
        ), FULL_CHAIN, fill_days=14),
        Stage("learn", N_("Learn"), (
            Field("lessons", N_("Lessons learned"), multiline=True),
            Field("training", N_("Training and incentives"), multiline=True, required=False),
        ), DEPARTMENT_ONLY, fill_days=10),
        Stage("improve", N_("Improve"), (MEASURE_ROWS, SUMMARY), FULL_CHAIN, fill_days=14),
    ),
    reminders=(
        ReminderRule("before-3", -3, tier=0),
        ReminderRule("before-1", -1, tier=0),
        ReminderRule("overdue-1", 1, tier=0),
        ReminderRule("overdue-3", 3, tier=1),
        ReminderRule("overdue-7", 7, tier=2),
    ),
)
