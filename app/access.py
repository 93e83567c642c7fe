"""Who may see and do what: small predicates shared by routes, templates and services.

A role is held at a unit and applies to that unit and everything below it, so every check
compares materialised paths: a grant at "/C/D01/" covers "/C/D01/510203/".
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, union

from app.extensions import db
from app.models import Cycle, OrgUnit, RoleAssignment, StandIn, Target, Task, User, Warning, in_subtree

TZ = ZoneInfo("Asia/Shanghai")

#: Roles that let a person see the cycles of their unit and everything below it.
SUPERVISING_ROLES = frozenset({"admin", "committee_chair", "committee", "quality_office",
                               "unit_leader", "unit_deputy", "major_lead"})
DASHBOARD_ROLES = frozenset({"admin", "committee_chair", "committee", "quality_office",
                             "unit_leader"})


def grants(user: User) -> list[tuple[str, str]]:
    """(role, unit path) pairs the user holds, loaded once per user object."""
    return [(role, path) for role, path, _kind in held_roles(user)]


def held_roles(user: User) -> list[tuple[str, str, str]]:
    """(role, unit path, unit kind) triples the user holds, loaded once per user object."""
    cached = getattr(user, "_grants_cache", None)
    if cached is None:
        rows = db.session.execute(
            select(RoleAssignment.role, OrgUnit.path, OrgUnit.kind)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
            .where(RoleAssignment.user_id == user.id)).all()
        cached = [(role, path, kind) for role, path, kind in rows]
        user._grants_cache = cached
    return cached


def delegated(user: User) -> list[tuple[str, str, int]]:
    """(role, unit path, principal id) held through stand-ins running today (代理).

    Administration is never delegated; everything else a principal may review or see is.
    """
    cached = getattr(user, "_delegated_cache", None)
    if cached is None:
        today = dt.datetime.now(TZ).date()
        rows = db.session.execute(
            select(RoleAssignment.role, OrgUnit.path, StandIn.principal_id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
            .join(StandIn, StandIn.principal_id == RoleAssignment.user_id)
            .join(User, User.id == StandIn.principal_id)
            .where(StandIn.deputy_id == user.id, StandIn.cancelled_at.is_(None),
                   User.active.is_(True),
                   StandIn.starts_on <= today, StandIn.ends_on >= today,
                   RoleAssignment.role != "admin")).all()
        cached = [(role, path, principal) for role, path, principal in rows]
        user._delegated_cache = cached
    return cached


def acting_for(user: User, task: Task) -> int | None:
    """The principal on whose behalf `user` may review `task`, when not in their own right."""
    if task.kind != "review":
        return None
    for role, path, principal in delegated(user):
        if task.assignee_id is not None:
            if task.assignee_id == principal:
                return principal
        elif role == task.candidate_role and task.candidate_unit.path.startswith(path):
            return principal
    return None


def roles_over(user: User, unit: OrgUnit) -> set[str]:
    return {role for role, path in grants(user) if unit.path.startswith(path)}


def has_role_over(user: User, role: str, unit: OrgUnit) -> bool:
    return role in roles_over(user, unit)


def has_college_role(user: User, *roles: str) -> bool:
    """Does the user hold one of `roles` at the root of the tree?"""
    return any(role in roles and path.count("/") == 2 for role, path in grants(user))


def can_view_cycle(user: User, cycle: Cycle) -> bool:
    if cycle.owner_id == user.id or roles_over(user, cycle.unit) & SUPERVISING_ROLES:
        return True
    return any(role in SUPERVISING_ROLES and cycle.unit.path.startswith(path)
               for role, path, _principal in delegated(user))


def can_submit(user: User, task: Task) -> bool:
    return task.kind == "fill" and task.assignee_id == user.id


def can_review(user: User, task: Task) -> bool:
    if task.kind != "review":
        return False
    if task.assignee_id is not None:
        own = task.assignee_id == user.id
    else:
        own = has_role_over(user, task.candidate_role, task.candidate_unit)
    return own or acting_for(user, task) is not None


def in_candidate_group(user: User, task: Task) -> bool:
    return task.candidate_role is not None and has_role_over(user, task.candidate_role,
                                                             task.candidate_unit)


def can_claim(user: User, task: Task) -> bool:
    """A group task nobody holds yet may be taken by any member of the group (认领)."""
    return task.status == "open" and task.assignee_id is None and in_candidate_group(user, task)


def is_all_step(task: Task) -> bool:
    """Is this one reviewer's own task in a step where everyone must approve?"""
    if task.kind != "review":
        return False
    return task.cycle.definition.stage(task.stage).reviews[task.step].mode == "all"


def can_release(user: User, task: Task) -> bool:
    """A claimed group task goes back to the group only from the person holding it."""
    return (task.status == "open" and task.candidate_role is not None
            and task.assignee_id == user.id and not is_all_step(task))


def can_delegate(user: User, task: Task) -> bool:
    """The holder of a fill-in may hand it to a colleague to prepare (委托), once at a time."""
    return (task.kind == "fill" and task.status == "open" and task.assignee_id == user.id
            and task.delegated_by_id is None)


def can_resolve(user: User, task: Task) -> bool:
    """The colleague a fill-in was delegated to hands it back for the owner to confirm."""
    return (task.kind == "fill" and task.status == "open" and task.assignee_id == user.id
            and task.delegated_by_id is not None)


def can_act_on(user: User, task: Task) -> bool:
    return can_submit(user, task) or can_review(user, task)


def can_view_task(user: User, task: Task) -> bool:
    return can_act_on(user, task) or can_view_cycle(user, task.cycle)


def is_reviewer(user: User) -> bool:
    """Does the user hold a role that any definition's review chain asks for?"""
    from workflows import definitions
    roles = {r.role for d in definitions() for s in d.stages for r in s.reviews}
    return any(role in roles for role, _ in grants(user)) or any(
        role in roles for role, _path, _p in delegated(user))


def can_urge(user: User, task: Task) -> bool:
    """The quality office, or a leader of the cycle's unit or above, may urge (催办)."""
    return has_college_role(user, "quality_office") or has_role_over(user, "unit_leader",
                                                                      task.cycle.unit)


def can_reassign(user: User, task: Task) -> bool:
    """The quality office, or a leader of the cycle's unit or above (任务改派).

    In a step where everyone must approve, each reviewer's task stays their own.
    """
    if task.status != "open" or is_all_step(task):
        return False
    if has_college_role(user, "quality_office"):
        return True
    # A review is reassigned by a leader of the reviewing unit, never by the reviewed one.
    unit = task.candidate_unit if task.kind == "review" else task.cycle.unit
    return has_role_over(user, "unit_leader", unit)


def may_take_over(person: User, task: Task) -> bool:
    """Could `person` be handed this task? A review stays within its group's authority; a
    fill-in stays within the cycle's unit."""
    if not person.active:
        return False
    if task.kind == "review":
        return in_candidate_group(person, task)
    return person.unit.path.startswith(task.cycle.unit.path) or person.id == task.cycle.owner_id


def can_launch(user: User) -> bool:
    return has_college_role(user, "quality_office", "admin")


def can_see_dashboard(user: User) -> bool:
    return any(role in DASHBOARD_ROLES for role, _ in grants(user))


def supervised_paths(user: User, roles=SUPERVISING_ROLES) -> list[str]:
    """Paths of the subtrees whose cycles the user may see, without nested duplicates."""
    paths = sorted({path for role, path in grants(user) if role in roles}
                   | {path for role, path, _p in delegated(user) if role in roles})
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def sees_whole_college(user: User) -> bool:
    """Does the user supervise every tree in the installation (the quality office or the
    leaders of its only college)? Their lists and counts need no visibility filter, and no
    join to the org tree. Where several colleges share an installation, nobody does."""
    cached = getattr(user, "_sees_all_cache", None)
    if cached is None:
        roots = db.session.scalars(select(OrgUnit.path).where(OrgUnit.parent_id.is_(None))).all()
        kept = supervised_paths(user)
        cached = bool(roots) and all(root in kept for root in roots)
        user._sees_all_cache = cached
    return cached


def visible_cycles_clause(user: User, unit_alias=OrgUnit):
    """A WHERE clause for cycles the user may see; join `unit_alias` on Cycle.unit_id."""
    clauses = [Cycle.owner_id == user.id]
    clauses += [in_subtree(unit_alias.path, p) for p in supervised_paths(user)]
    return or_(*clauses)


def offered_tasks_clause(user: User):
    """A WHERE clause for the open tasks assigned to the user or offered to one of their groups.

    The tasks' ids come from a union of index reads, one per way a task reaches the user (as
    its assignee; as a holder of the candidate role at or above its unit; standing in for a
    reviewer), so a large college's other open tasks are never read.
    """
    branches = [select(Task.id).where(Task.assignee_id == user.id, Task.status == "open")]
    acting = [(role, path) for role, path, _p in delegated(user)]
    for role, path in dict.fromkeys(grants(user) + acting):
        units = select(OrgUnit.id).where(in_subtree(OrgUnit.path, path))
        branches.append(select(Task.id).where(
            Task.candidate_role == role, Task.candidate_unit_id.in_(units),
            Task.status == "open", Task.assignee_id.is_(None)))
    principals = {p for _r, _path, p in delegated(user)}
    if principals:  # reviews handed to the people this user stands in for
        branches.append(select(Task.id).where(Task.assignee_id.in_(principals),
                                              Task.kind == "review", Task.status == "open"))
    return Task.id.in_(union(*branches) if len(branches) > 1 else branches[0])


# ---------------------------------------------------------------- warnings and targets

def can_view_warning(user: User, warning: Warning) -> bool:
    """The owner, and whoever may see the unit's cycles (its leaders, the quality office)."""
    return warning.owner_id == user.id or bool(roles_over(user, warning.unit) & SUPERVISING_ROLES)


def can_handle_warning(user: User, warning: Warning) -> bool:
    """The owner; once escalated, the leaders above the unit; the quality office always."""
    if warning.owner_id == user.id or has_college_role(user, "quality_office"):
        return True
    above = warning.unit.path.rsplit("/", 2)[0] + "/"  # the parent's path
    return warning.tier >= 1 and any(role == "unit_leader" and above.startswith(path)
                                     for role, path in grants(user))


def visible_warnings_clause(user: User, unit_alias=OrgUnit):
    """A WHERE clause for warnings the user may see; join `unit_alias` on Warning.unit_id."""
    return or_(Warning.owner_id == user.id,
               *[in_subtree(unit_alias.path, p) for p in supervised_paths(user)])


def warnings_to_handle_clause(user: User, unit_alias=OrgUnit):
    """Warnings waiting for this user: their own, and those escalated to them."""
    clauses = [Warning.owner_id == user.id]
    for role, path in grants(user):
        if role == "unit_leader":  # a leader at a unit handles what its units below escalate
            clauses.append(and_(Warning.tier >= 1, in_subtree(unit_alias.path, path),
                                unit_alias.path != path))
        if role == "quality_office" and path.count("/") == 2:
            clauses.append(Warning.tier >= 2)
    return or_(*clauses)


#: Who confirms the targets cascaded to a unit, by the kind of unit (目标确认).
RECEIVER_ROLES = {"major": "major_lead", "department": "unit_leader", "office": "unit_leader",
                  "post": "unit_leader", "college": "quality_office"}


def receives_targets_of(user: User, unit: OrgUnit) -> bool:
    """Does the user hold the role that confirms targets at exactly this unit?"""
    role = RECEIVER_ROLES.get(unit.kind, "unit_leader")
    return any(r == role and path == unit.path for r, path in grants(user)) or (
        unit.kind == "college" and has_college_role(user, "quality_office"))


def can_view_target(user: User, target: Target) -> bool:
    unit = target.unit
    return receives_targets_of(user, unit) or bool(roles_over(user, unit) & SUPERVISING_ROLES)


def can_set_targets(user: User, unit: OrgUnit) -> bool:
    """The quality office anywhere; a unit's leader for the unit and those below; a major's
    lead for the major."""
    return (has_college_role(user, "quality_office")
            or has_role_over(user, "unit_leader", unit) or receives_targets_of(user, unit))


def can_confirm_target(user: User, target: Target) -> bool:
    return target.status == "pending" and receives_targets_of(user, target.unit)
