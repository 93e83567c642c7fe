"""Sign in and out, and choose the language."""
import datetime as dt
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import delete, func, select

from app.auth import bp
from app.auth.forms import LoginForm
from app.extensions import db
from app.models import AuditEvent, LoginFailure, User, utcnow


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths; anything else could send the user elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def _locked(username: str) -> bool:
    since = utcnow() - dt.timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    failures = db.session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.username == username, LoginFailure.at >= since))
    return failures >= current_app.config["LOGIN_MAX_FAILURES"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("tasks.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip()
        if _locked(username):
            flash(_("Too many failed attempts; try again in %(minutes)d minutes.",
                    minutes=current_app.config["LOGIN_LOCK_MINUTES"]), "error")
            status = 429
        else:
            user = db.session.scalars(select(User).where(User.username == username)).first()
            if user is None or not user.active or not user.check_password(form.password.data):
                db.session.add(LoginFailure(username=username, remote_addr=request.remote_addr))
                db.session.commit()
                flash(_("Wrong staff number or password."), "error")
                status = 401
            else:
                db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
                db.session.add(AuditEvent(action="login", actor_id=user.id))
                db.session.commit()
                session.clear()
                login_user(user)
                return redirect(safe_next(request.args.get("next")) or url_for("tasks.index"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
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
