"""Command-line tools: `flask users …`, `flask demo load`, `flask scheduler …`."""
from __future__ import annotations

import datetime as dt
import secrets

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, User

users_cli = AppGroup("users", help="Manage users and API tokens.")
demo_cli = AppGroup("demo", help="The demo college.")
scheduler_cli = AppGroup("scheduler", help="Run the scheduler or one tick of it.")
workflows_cli = AppGroup("workflows", help="Cycle definitions: list, compare, migrate.")
measurements_cli = AppGroup("measurements", help="Indicator values from the data platform.")
library_cli = AppGroup("library", help="The indicator library and the standard chain.")
archive_cli = AppGroup("archive", help="Keep the working tables lean (the archive policy).")


@archive_cli.command("run")
@click.option("--before", required=True, help="Archive what is older than this day (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Only count what would be archived.")
def archive_run(before, dry_run):
    """Move routine audit rows into the archive; drop read notifications and the reminder log
    of closed tasks; all older than --before, which must be at least a year back."""
    from app.i18n import translate
    from app.services import archive
    from workflows import Refused
    try:
        day = dt.date.fromisoformat(before)
    except ValueError:
        raise click.BadParameter("give a day as YYYY-MM-DD", param_hint="--before") from None
    cutoff = dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=8)))
    try:
        result = archive.run(db.session, cutoff, dry_run=dry_run)
    except Refused as exc:
        raise click.ClickException(translate(exc.message, exc.params)) from None
    verb = "would move" if dry_run else "moved"
    click.echo(f"{verb} {result.audit} routine audit row(s) to the archive; "
               f"{'would drop' if dry_run else 'dropped'} {result.notifications} read "
               f"notification(s) and {result.reminder_log} reminder-log row(s) of closed tasks")


@library_cli.command("seed")
def library_seed():
    """Add the default indicators, standards and diagnosis catalogue not there yet (safe to
    run again)."""
    from pathlib import Path

    from app.services import catalog
    from app.services.measurements import seed_indicators
    from app.services.standards import seed_standards
    data = Path(current_app.root_path) / "data"
    indicators = seed_indicators(db.session, data / "indicators.yaml")
    standards = seed_standards(db.session, data / "standards.yaml")
    catalogue = catalog.seed(db.session, data / "diagnosis-catalog.yaml")
    click.echo(f"added {indicators} indicator(s) and {standards} standard(s)"
               + ("; the diagnosis catalogue" if catalogue else ""))


@measurements_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--accept", is_flag=True, help="Write the values (default: only check them).")
def measurements_import(path, accept):
    """Check a CSV or .xlsx export row by row; with --accept, import it."""
    from pathlib import Path

    from app.i18n import translate
    from app.services import measurements
    from workflows import Refused
    data = Path(path).read_bytes()
    try:
        checked = measurements.preview(db.session, measurements.read_table(path, data))
    except Refused as exc:
        raise click.ClickException(translate(exc.message, exc.params)) from None
    for row in checked.bad:
        click.echo(f"row {row.number}: {translate(row.error, row.error_params)}")
    changes = {k: sum(1 for r in checked.good if r.change == k)
               for k in ("new", "changed", "unchanged")}
    warnings = sum(1 for r in checked.good if r.status in ("yellow", "red"))
    click.echo(f"{len(checked.good)} good row(s) ({changes['new']} new, {changes['changed']} "
               f"changed, {changes['unchanged']} unchanged; {warnings} beyond a warning line, "
               f"which open warnings for each unit's newest period only), "
               f"{len(checked.bad)} bad")
    if not accept:
        click.echo("nothing imported (add --accept)")
        return
    try:
        counts = measurements.accept(db.session, checked, None, Path(path).name)
    except Refused as exc:
        raise click.ClickException(translate(exc.message, exc.params)) from None
    click.echo(f"imported: {counts['new']} new, {counts['changed']} changed, "
               f"{counts['unchanged']} unchanged; {counts['opened']} warning(s) opened, "
               f"{counts['verified']} verified, {counts['reopened']} crossed their line again")


def _definition(spec: str):
    """NAME@VERSION of a registered definition, or the path of a TOML file."""
    from pathlib import Path

    from workflows import get_definition
    from workflows.loader import DefinitionError, load_file
    if spec.endswith(".toml"):
        try:
            return load_file(Path(spec))
        except (OSError, UnicodeDecodeError, DefinitionError) as exc:
            raise click.BadParameter(str(exc)) from None
    name, _sep, version = spec.partition("@")
    try:
        return get_definition(name, int(version))
    except (KeyError, ValueError):
        raise click.BadParameter(f"{spec!r}: give NAME@VERSION (see `flask workflows list`) "
                                 "or a .toml file") from None


@workflows_cli.command("list")
def workflows_list():
    """The definitions this installation knows, with their running cycles."""
    from sqlalchemy import func

    from app.models import Cycle
    from workflows import CLOSED, definitions
    running = dict(((n, v), c) for n, v, c in db.session.execute(
        select(Cycle.definition_name, Cycle.definition_version, func.count(Cycle.id))
        .where(Cycle.stage != CLOSED)
        .group_by(Cycle.definition_name, Cycle.definition_version)).all())
    for d in sorted(definitions(), key=lambda d: (d.name, d.version)):
        click.echo(f"{d.name}@{d.version}\t{d.level}\t{len(d.stages)} stages\t"
                   f"{running.get((d.name, d.version), 0)} running")


@workflows_cli.command("diff")
@click.argument("old")
@click.argument("new")
def workflows_diff(old, new):
    """What changed from OLD to NEW (each NAME@VERSION or a .toml file)."""
    from workflows.diff import diff
    lines = diff(_definition(old), _definition(new))
    click.echo("\n".join(lines) if lines else "no differences")


@workflows_cli.command("migrate")
@click.argument("name")
@click.option("--to", "to_version", type=int, required=True, help="The version to move to.")
@click.option("--map", "mappings", multiple=True, metavar="OLD=NEW",
              help="Where cycles in a stage that no longer exists go (repeatable).")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
def workflows_migrate(name, to_version, mappings, dry_run):
    """Move NAME's running cycles to version --to, stage by stage."""
    from app.services.migrate import apply_migration, plan_migration
    mapping = {}
    for item in mappings:
        old, sep, new = item.partition("=")
        if not sep or not old or not new:
            raise click.BadParameter(f"{item!r}: write OLD=NEW", param_hint="--map")
        mapping[old] = new
    try:
        moves = plan_migration(db.session, name, to_version, mapping)
    except (KeyError, ValueError) as exc:
        raise click.ClickException(str(exc.args[0])) from None
    for m in moves:
        where = f"cycle {m.cycle_id} {m.subject}: v{m.from_version} {m.from_stage}"
        click.echo(f"{where} → REFUSED: {m.refused}" if m.refused
                   else f"{where} → v{m.to_version} {m.to_stage}")
    refused = sum(1 for m in moves if m.refused)
    if dry_run:
        click.echo(f"dry run: {len(moves) - refused} would move, {refused} refused; nothing changed")
        return
    moved = apply_migration(db.session, name, moves)
    click.echo(f"moved {moved} cycle(s); {refused} refused")


@users_cli.command("token")
@click.argument("username")
def make_token(username):
    """Create a bearer token for USERNAME and print it (only its digest is stored)."""
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, digest=ApiToken.digest_of(token)))
    db.session.commit()
    click.echo(token)


@users_cli.command("set-password")
@click.argument("username")
@click.password_option()
def set_password(username, password):
    """Set USERNAME's password."""
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    user.set_password(password)
    db.session.commit()
    click.echo("password set")


#: `--scale large` writes three times a large college of 20 departments: with the levels' periods
#: (courses and classes each term, majors and teachers each year) one such college runs about
#: 5,000 cycles a year, and four years of three of them (about 55,000 cycles, 1.26 million tasks,
#: 2.2 million audit events) pass the sizes the scale is meant to show (50,000 cycles, 800,000
#: tasks, 2 million audit events).
LARGE_FACTOR = 3.0


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
@click.option("--no-launch", is_flag=True, help="Load the college without launching cycles.")
@click.option("--scale", type=click.Choice(["demo", "large"]), default="demo",
              help="demo: the small college to try things with; large: a large college with "
                   "three years of history, to measure Spiral at scale.")
@click.option("--factor", type=float, default=LARGE_FACTOR,
              help="With --scale large: how many times a college of 20 departments, 100 majors, "
                   "1,500 courses, 800 teachers and 600 classes (the default, 3: about 55,000 "
                   "cycles, 1.26 million tasks and 2.2 million audit events).")
def demo_load(if_empty, no_launch, scale, factor):
    """Load the demo college and launch its cycles at all five levels for 2026-2027."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("database already has data; demo not loaded")
        return
    if scale == "large":
        _load_large(factor)
        return
    from app.demo import load_demo
    summary = load_demo(db.session, current_app.config["DEMO_PASSWORD"], launch=not no_launch)
    levels = ", ".join(f"{level} {n}" for level, n in summary["by_level"].items())
    click.echo(f"loaded {summary['units']} units, {summary['users']} users, "
               f"{summary['courses']} courses, {summary['classes']} classes; "
               f"launched {summary['cycles']} cycles ({levels or 'none'}); "
               f"{summary['targets']} targets in the target chain; last year's "
               f"{summary['last_year']} major cycles closed")


def _load_large(factor: float) -> None:
    import time

    from app.demo_large import HISTORY, expected_cycles, load_large
    if not 0.05 <= factor <= 10:
        raise click.BadParameter("between 0.05 and 10", param_hint="--factor")
    start = time.monotonic()
    total = expected_cycles(factor, HISTORY)
    with click.progressbar(length=total, label="cycles", show_pos=True) as bar:
        try:
            summary = load_large(db.session, current_app.config["DEMO_PASSWORD"], factor=factor,
                                 progress=bar.update)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        bar.update(max(0, total - bar.pos))
    click.echo(f"large college: {summary['units']} units, {summary['users']} users, "
               f"{summary['courses']} courses, {summary['classes']} classes; "
               f"{summary['cycles']} cycles, {summary['tasks']} tasks, {summary['audit']} audit "
               f"events in {time.monotonic() - start:.0f}s")


def _parse_at(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.now(dt.timezone.utc)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2026-10-15T09:00+08:00") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone offset, e.g. +08:00")
    if not 2000 <= moment.year <= 2100:
        raise click.BadParameter("give an instant between the years 2000 and 2100")
    return moment


@scheduler_cli.command("tick")
@click.option("--at", "at", help="Run as of this instant (ISO 8601 with offset).")
def tick(at):
    """Run every due job once as of --at (default: now)."""
    from app.scheduler import run_due_jobs
    summary = run_due_jobs(_parse_at(at))
    click.echo(f"launch plans run {summary['launches']}; timers moved {summary['timers']} "
               f"cycle(s); sent {summary['reminders']} reminder(s); escalated "
               f"{summary['warnings']} warning(s)")


@scheduler_cli.command("run")
@click.option("--interval", type=int, default=None, help="Seconds between ticks.")
def run(interval):
    """Run the scheduler in this process until interrupted."""
    import logging

    from app.scheduler import run_forever
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per tick is enough
    run_forever(current_app._get_current_object(),
                interval or current_app.config["SCHEDULER_INTERVAL_SECONDS"])


def init_app(app):
    for group in (users_cli, demo_cli, scheduler_cli, workflows_cli, measurements_cli,
                  library_cli, archive_cli):
        app.cli.add_command(group)
