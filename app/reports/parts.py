"""Parts every report shares: the line that says which version it is, and the review trail."""
from __future__ import annotations

from flask_babel import gettext as _

from app.i18n import local
from app.models import Deliverable, DeliverableVersion
from app.reports.document import Document


def version_line(deliverable: Deliverable, version: DeliverableVersion, trail) -> str:
    """"Version 2 (round 2), submitted 2026-07-04 · Approved": which version, and where it stands."""
    if any(e.action == "return" and e.round == version.round for e in trail):
        status = _("Returned for revision")
    elif version.number != deliverable.current_version:
        status = _("Superseded by a later version")
    else:
        status = {"submitted": _("Under review"), "approved": _("Approved"),
                  "returned": _("Returned for revision"),
                  "expired": _("Not reviewed in time")}.get(deliverable.status,
                                                           deliverable.status)
    return _("Version %(n)d (round %(round)d), submitted %(day)s · %(status)s",
             n=version.number, round=version.round, day=local(version.created_at, "%Y-%m-%d"),
             status=status)


def review_trail(doc: Document, trail) -> None:
    """The submissions and decisions of the stage, with their comments (审核意见)."""
    if not trail:
        doc.paragraph(_("No review yet."), muted=True)
        return
    labels = {"submit": _("Submitted"), "approve": _("Approved"),
              "return": _("Returned for revision")}
    doc.table([_("When"), _("Who"), _("Decision"), _("Round"), _("Comment")],
              [[local(e.at), e.actor.name if e.actor else _("System"),
                labels.get(e.action, e.action), e.round or "", e.comment or ""]
               for e in trail], widths_cm=[3.2, 2.5, 2.5, 1.3, 5.5])
