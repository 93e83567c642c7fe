"""Request-level guards that hold for every route: input the database cannot store, ids out
of range, and oversized bodies are refused with a 4xx before any view runs."""
from flask import abort, request

from workflows.forms import bad_characters

#: Primary keys are 32-bit integers on PostgreSQL; larger ids cannot name a row.
MAX_ID = 2**31 - 1
#: A request body: an attachment (10 MB) and its form; JSON bodies have a lower limit.
MAX_CONTENT_LENGTH = 11 * 2**20
MAX_JSON_LENGTH = 2 * 2**20


def init_app(app) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is "no limit"
        app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.before_request
    def refuse_unstorable_input():
        if request.is_json and (request.content_length or 0) > MAX_JSON_LENGTH:
            abort(413)
        for value in (request.view_args or {}).values():
            if isinstance(value, int) and not 0 < value <= MAX_ID:
                abort(404)
        for values in (request.args, request.form):
            for value in values.values():
                if bad_characters(value.replace("\t", "").replace("\n", "").replace("\r", "")):
                    abort(400)
