"""The page that answers a bulk action: one row per task, done or refused and why."""
from flask import flash, redirect, render_template

from app import queries
from app.extensions import db
from app.i18n import translate
from workflows import Refused


def bulk_result(title: str, call, back: str):
    """Run `call()` (a bulk service returning ItemResults) and show its results, or the refusal."""
    try:
        results = call()
    except Refused as exc:
        flash(translate(exc.message, exc.params), "error")
        return redirect(back), 303
    return render_template("bulk_result.html", title=title, results=results, back=back,
                           tasks=queries.tasks_by_id(db.session, [r.task_id for r in results]))
