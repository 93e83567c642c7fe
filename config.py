"""Configuration classes; values come from the environment where one is set."""
import datetime as dt
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _sqlite_url(name: str) -> str:
    return f"sqlite:///{BASE_DIR / 'instance' / name}"


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = BASE_DIR / "instance" / "secret_key"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    SECRET_KEY = None  # resolved when the config is instantiated
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_url("spiral.db")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    TIMEZONE = "Asia/Shanghai"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None
    PERMANENT_SESSION_LIFETIME = dt.timedelta(hours=12)
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2026")
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    PAGE_SIZE = 50
    ATTACHMENTS_DIR = os.environ.get("ATTACHMENTS_DIR") or str(BASE_DIR / "instance" / "attachments")
    ATTACHMENT_MAX_BYTES = 10 * 2**20
    SCHEDULER_INTERVAL_SECONDS = int(os.environ.get("SCHEDULER_INTERVAL_SECONDS", "60"))
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (nginx: 1).
    PROXIES = int(os.environ.get("PROXIES", "0"))
    TESTING = False

    def __init__(self):
        if self.SECRET_KEY is None:
            self.SECRET_KEY = _secret_key()


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    __test__ = False  # not a pytest test class

    TESTING = True
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    DEMO_PASSWORD = "Demo@2026"
    ATTACHMENTS_DIR = None  # each test app gets its own folder


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}
