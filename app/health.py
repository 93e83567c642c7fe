"""GET /healthz: is the database reachable, and when did the scheduler last tick?"""
from flask import Blueprint, jsonify
from sqlalchemy import select, text

from app.extensions import db
from app.models import SchedulerTick

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        last = db.session.scalars(select(SchedulerTick).order_by(SchedulerTick.id.desc())
                                  .limit(1)).first()
    except Exception:  # the point of a health check is to report this, not raise it
        db.session.rollback()
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok",
                    "scheduler": {"last_tick_at": last.ran_at.isoformat() if last else None,
                                  "as_of": last.as_of.isoformat() if last else None,
                                  "summary": last.summary if last else None}})
