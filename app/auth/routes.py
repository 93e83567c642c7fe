"""Sign in and out, and choose the language."""
import datetime as dt
import functools
import secrets
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import delete, func, select

from app.auth import bp
from app.auth.forms import LoginForm
from app.extensions import db
from app.models import AuditEvent, LoginFailure, User, utcnow
from werkzeug.security import check_password_hash, generate_password_hash


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths; anything else could send the user elsewhere."""
    if not target:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None  # urlsplit ignores CR/LF and tabs; a header cannot carry them
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def _record_attempt(username: str) -> LoginFailure | None:
    """Record this attempt first, then count: of many at once, at most the allowed number
    go on to a password check. Returns the attempt, or None when the account is locked."""
    attempt = LoginFailure(username=username, remote_addr=request.remote_addr)
    db.session.add(attempt)
    db.session.commit()
    since = utcnow() - dt.timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    attempts = db.session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.username == username, LoginFailure.at >= since,
        LoginFailure.id <= attempt.id))
    if attempts > current_app.config["LOGIN_MAX_FAILURES"]:
        db.session.delete(attempt)  # a refused attempt does not extend the lock
        db.session.commit()
        return None
    return attempt


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("tasks.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip()
        if _record_attempt(username) is None:
            flash(_("Too many failed attempts; try again in %(minutes)d minutes.",
                    minutes=current_app.config["LOGIN_LOCK_MINUTES"]), "error")
            status = 429
        else:
            user = db.session.scalars(select(User).where(User.username == username)).first()
            # Unknown accounts cost a hash check too, so timing does not tell who exists.
            valid = (user.check_password(form.password.data) if user is not None
                     else check_password_hash(_dummy_hash(), form.password.data))
            if not valid or not user.active:
                flash(_("Wrong staff number or password."), "error")
                status = 401
            else:
                db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
                db.session.add(AuditEvent(action="login", actor_id=user.id))
                db.session.commit()
                session.clear()
                session.permanent = True
                login_user(user)
                return redirect(safe_next(request.args.get("next")) or url_for("tasks.index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.rotate_session_token()  # cookies copied before now stop working
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
def language(code):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("tasks.index"))
