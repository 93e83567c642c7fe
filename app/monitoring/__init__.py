from flask import Blueprint

bp = Blueprint("monitoring", __name__, url_prefix="/warnings")

from app.monitoring import routes  # noqa: E402,F401
