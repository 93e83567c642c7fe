"""Error pages and JSON errors: a person sees a message, never a stack trace."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from workflows.model import N_

MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Please sign in."),
    403: N_("You do not have permission to do this."),
    404: N_("The page or item was not found."),
    405: N_("This action is not allowed here."),
    409: N_("This conflicts with a change made just now."),
    413: N_("The upload is too large."),
    422: N_("Some input needs attention."),
    429: N_("Too many attempts; please wait and try again."),
    500: N_("Something went wrong on our side; the error has been logged."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _respond(status: int, message: str):
    if _wants_json():
        return jsonify({"error": {"status": status, "message": message}}), status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _respond(400, _("The form has expired or was not sent from this site; please reload and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        return _respond(error.code, _(MESSAGES.get(error.code, error.name)))

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return _respond(500, _(MESSAGES[500]))
