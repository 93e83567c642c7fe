from flask import Blueprint

bp = Blueprint("indicators", __name__, url_prefix="/indicators")

from app.indicators import routes  # noqa: E402,F401
