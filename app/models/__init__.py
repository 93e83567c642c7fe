"""The models, split by concern; import them from here."""
from app.models.audit import (
    ArchiveGate, ArchivedAuditEvent, AuditEvent, Notification, ReminderLog, SchedulerTick,
)
from app.models.org import (
    COLLEGE_WIDE_ROLES, ApiToken, Course, Holiday, LoginFailure, OrgUnit, Period,
    RoleAssignment, SchoolClass, StandIn, User, in_subtree,
)
from app.models.indicators import Indicator, Measurement, Standard, Target, Warning
from app.models.types import utcnow
from app.models.work import (
    AnnualReport, Attachment, CarriedMeasure, Cycle, Deliverable, DeliverableVersion, DiagnosisCatalog,
    LaunchPlan, Task, TaskComment,
)

__all__ = [
    "ArchiveGate", "ArchivedAuditEvent", "AuditEvent", "Indicator", "Measurement", "Standard", "Target", "Warning", "Notification", "ReminderLog", "SchedulerTick", "COLLEGE_WIDE_ROLES",
    "ApiToken", "Course", "Holiday", "LoginFailure", "OrgUnit", "Period", "RoleAssignment",
    "SchoolClass", "StandIn", "User", "in_subtree", "AnnualReport", "Attachment", "CarriedMeasure", "DiagnosisCatalog", "LaunchPlan", "Cycle", "Deliverable", "DeliverableVersion", "Task", "TaskComment", "utcnow",
]
