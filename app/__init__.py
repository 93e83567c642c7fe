"""Spiral: the diagnosis-and-improvement (诊改) workflow system."""
from __future__ import annotations

import os
import tempfile
import secrets

from flask import Flask

from config import CONFIGS, BASE_DIR


def create_app(config_class=None, **overrides) -> Flask:
    """Build the application: configure, bind extensions, register blueprints and commands."""
    app = Flask(__name__, instance_path=str(BASE_DIR / "instance"),
                template_folder=str(BASE_DIR / "templates"))
    _configure(app, config_class, overrides)
    _init_extensions(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_commands(app)
    if app.config.get("PROXIES"):  # the client's address and scheme, as the proxy saw them
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXIES"],
                                x_proto=app.config["PROXIES"])
    return app


def _configure(app, config_class, overrides):
    if config_class is None:
        config_class = CONFIGS[os.environ.get("SPIRAL_ENV", "development")]
    app.config.from_object(config_class() if isinstance(config_class, type) else config_class)
    app.config.update(overrides)
    app.json.ensure_ascii = False  # Chinese stays readable in API responses
    if not app.config.get("ATTACHMENTS_DIR"):
        app.config["ATTACHMENTS_DIR"] = tempfile.mkdtemp(prefix="spiral-attachments-")
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "connect_args": {"timeout": 30}}


def _init_extensions(app):
    from app import i18n
    from app.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    i18n.init_app(app)
    from app import models  # noqa: F401  (register the tables)
    from app import sqlite
    with app.app_context():
        sqlite.tune(db.engine)

    @login_manager.user_loader
    def load_user(session_id):
        user_id, _sep, token = session_id.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(models.User, int(user_id))
        if user is None or not token or not secrets.compare_digest(user.session_token, token):
            return None
        return user


def _register_blueprints(app):
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.cycles import bp as cycles_bp
    from app.dashboard import bp as dashboard_bp
    from app.documents import bp as documents_bp
    from app.health import bp as health_bp
    from app.indicators import bp as indicators_bp
    from app.monitoring import bp as monitoring_bp
    from app.review import bp as review_bp
    from app.standards import bp as standards_bp
    from app.targets import bp as targets_bp
    from app.tasks import bp as tasks_bp
    from app.extensions import csrf

    for bp in (auth_bp, tasks_bp, cycles_bp, review_bp, dashboard_bp, health_bp, indicators_bp,
               standards_bp, targets_bp, monitoring_bp, documents_bp):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)  # bearer tokens, no cookies: CSRF cannot reach it
    app.register_blueprint(api_bp)


def _register_errors(app):
    from app import errors, nav, security
    errors.init_app(app)
    security.init_app(app)
    nav.init_app(app)


def _register_commands(app):
    from app import cli
    cli.init_app(app)
