"""Locale and time-zone handling: Chinese first, English available, times in Asia/Shanghai."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, g, session
from flask_babel import get_locale, get_translations, gettext
from flask_login import current_user

from app import labels
from app.extensions import babel

TZ = ZoneInfo("Asia/Shanghai")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


#: Parameters whose values are msgids themselves (a stage's or a role's label).
TRANSLATED_PARAMS = ("stage", "role", "assignee", "level", "state")


def translate(message: str, params: dict | None = None) -> str:
    """Translate a msgid from the domain and fill its placeholders."""
    text = gettext(message) if message else ""
    if params:
        params = {k: gettext(v) if k in TRANSLATED_PARAMS and isinstance(v, str) else v
                  for k, v in params.items()}
        try:
            return text % params
        except (KeyError, TypeError, ValueError):
            return text
    return text


def local(moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return ""
    return moment.astimezone(TZ).strftime(fmt)


def _page_translations():
    """The catalogue of the request's locale, found once per request: a page calls gettext
    a hundred times, and Flask-Babel looks its context up afresh on each call. Keyed by the
    locale object, so a block under `force_locale` still gets its own."""
    state = g._get_current_object()
    babel_state = getattr(state, "_flask_babel", None)
    locale = getattr(babel_state, "babel_locale", None)
    cached = getattr(state, "_page_translations", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    state._page_translations = (state._flask_babel.babel_locale, translations)
    return translations


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _page_translations().ugettext(s),
        ngettext=lambda s, p, n: _page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _page_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["local"] = local
    app.jinja_env.filters["local_date"] = lambda m: local(m, "%Y-%m-%d")
    app.jinja_env.globals["tr"] = translate
    app.jinja_env.globals["labels"] = labels
    app.jinja_env.globals["get_locale"] = get_locale
