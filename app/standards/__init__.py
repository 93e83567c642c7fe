from flask import Blueprint

bp = Blueprint("standards", __name__, url_prefix="/standards")

from app.standards import routes  # noqa: E402,F401
