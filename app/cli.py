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


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
@click.option("--no-launch", is_flag=True, help="Load the college without launching cycles.")
def demo_load(if_empty, no_launch):
    """Load the demo college and launch its cycles at all five levels for 2026-2027."""
    from app.demo import load_demo
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("database already has data; demo not loaded")
        return
    summary = load_demo(db.session, current_app.config["DEMO_PASSWORD"], launch=not no_launch)
    levels = ", ".join(f"{level} {n}" for level, n in summary["by_level"].items())
    click.echo(f"loaded {summary['units']} units, {summary['users']} users, "
               f"{summary['courses']} courses, {summary['classes']} classes; "
               f"launched {summary['cycles']} cycles ({levels or 'none'})")


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
    click.echo(f"timers moved {summary['timers']} cycle(s); sent {summary['reminders']} reminder(s)")


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
    for group in (users_cli, demo_cli, scheduler_cli):
        app.cli.add_command(group)
