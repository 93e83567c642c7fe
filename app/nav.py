"""What every page's frame needs: the signed-in person's menu and unread count."""
from flask import request
from flask_login import current_user

from app import access, queries
from app.extensions import db


def init_app(app):
    @app.context_processor
    def frame():
        if not current_user.is_authenticated:
            return {"nav": None}
        return {"nav": {"dashboard": access.can_see_dashboard(current_user),
                        "reviews": access.is_reviewer(current_user),
                        "indicators": access.has_college_role(current_user, "quality_office",
                                                              "admin"),
                        "unread": queries.unread_count(db.session, current_user),
                        "path": request.full_path.rstrip("?")}}
