from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/reports")

from app.documents import routes  # noqa: E402,F401
