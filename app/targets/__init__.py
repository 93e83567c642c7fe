from flask import Blueprint

bp = Blueprint("targets", __name__, url_prefix="/targets")

from app.targets import routes  # noqa: E402,F401
