"""Guards that explain themselves: each check returns nothing or raises `Refused`."""
from __future__ import annotations

from workflows.forms import bad_characters
from workflows.model import CLOSED, N_, Definition, Stage


class Refused(Exception):
    """An action the rules do not allow, with a message a person can read.

    `message` is an English msgid (translated by the app); `params` fill its placeholders.
    """

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def check_cycle_open(stage_name: str) -> None:
    if stage_name == CLOSED:
        raise Refused(N_("This cycle is closed; nothing more can be done in it."))


def check_task_current(task_stage: str, task_round: int, cycle_stage: str, cycle_round: int) -> None:
    if task_stage != cycle_stage or task_round != cycle_round:
        raise Refused(N_("This task belongs to an earlier stage or round and can no longer be acted on."))


def check_task_open(status: str) -> None:
    if status != "open":
        raise Refused(N_("This task has already been handled."))


def check_submit(task_kind: str, is_assignee: bool) -> None:
    """May this person submit the deliverable of this task?"""
    if task_kind != "fill":
        raise Refused(N_("Only a fill-in task can be submitted; this is a review task."))
    if not is_assignee:
        raise Refused(N_("Only the person responsible for this task may submit it."))


def check_review(task_kind: str, has_role: bool, role_label: str, is_author: bool,
                 deliverable_submitted: bool) -> None:
    """May this person approve or return the deliverable under review?"""
    if task_kind != "review":
        raise Refused(N_("This is a fill-in task; there is nothing to review yet."))
    if not deliverable_submitted:
        raise Refused(N_("The report has not been submitted yet, so it cannot be reviewed."))
    if is_author:
        raise Refused(N_("You cannot review a report you submitted yourself."))
    if not has_role:
        raise Refused(N_("Only %(role)s may review this step."), role=role_label)


def check_comment(comment: str | None) -> str | None:
    """A reviewer's comment, cleaned; None when empty."""
    text = (comment or "").strip()
    if len(text) > 2000:
        raise Refused(N_("The comment is too long (at most 2000 characters)."))
    if bad_characters(text):
        raise Refused(N_("The text contains characters that cannot be stored."))
    return text or None


def check_return_reason(comment: str | None) -> str:
    reason = check_comment(comment)
    if not reason:
        raise Refused(N_("A reason is required when returning a report for revision."))
    return reason


def check_advance(definition: Definition, stage: Stage, approvals_done: int) -> None:
    """May the cycle leave `stage` because its review chain is complete?"""
    if stage.is_timed:
        raise Refused(N_("Stage %(stage)s is time-boxed; it ends on its planned date."),
                      stage=stage.label)
    if approvals_done < len(stage.reviews):
        raise Refused(N_("Stage %(stage)s still needs %(count)d approval(s)."),
                      stage=stage.label, count=len(stage.reviews) - approvals_done)


def unmet_without_measure(rows: list[dict], field: str = "achievements") -> dict:
    """A target marked not met must say how it will be improved: {cell path: (msgid, params)}."""
    errors = {}
    for i, row in enumerate(rows, start=1):
        if row.get("met") == "no" and not str(row.get("measure") or "").strip():
            errors[f"{field}[{i}].measure"] = (
                N_("A target that was not met needs an improvement measure."), {})
    return errors
