"""The landing page of a signed-in person (``/``, app/main.py): their role's workbench, or the
feed for a shopper. A rendering helper, not a route: main owns the URL."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from app import viewer_cache
from app.auth.models import Role
from app.db_types import utcnow
from app.workbench.brand import brand_desk, latest_notifications
from app.workbench.counts import set_counts
from app.workbench.kol import kol_desk
from app.workbench.staff import admin_desk, finance_desk


def workbench_response():
    """The signed-in user's workbench (None for a visitor), cached for them like a KOL's
    discovery page (app/viewer_cache.py ``viewer_page``: rebuilt after their own changes and their
    notifications, else at most VIEWER_TTL old). A cached page is served before the account is
    loaded, as discovery's is; a shopper's "page" is empty: they go to the feed."""
    html = viewer_cache.viewer_page(("workbench",), _render)
    if html is None:
        if not current_user.is_authenticated:
            return None
        html = _render()
    return html or redirect(url_for("social.feed_page"))


def _render() -> str:
    """The role's workbench; its own lists give the menu counts (no extra query)."""
    role, user_id = current_user.role, current_user.id
    if role not in (Role.BRAND, Role.KOL, Role.FINANCE, Role.ADMIN):
        return ""
    if role == Role.BRAND:
        desk = brand_desk(user_id)
        set_counts(desk.nav_counts())
        return render_template("workbench/brand.html", desk=desk, now=utcnow())
    if role == Role.KOL:
        desk = kol_desk(user_id)
        set_counts(desk.nav_counts())
        return render_template("workbench/kol.html", desk=desk, now=utcnow())
    if role == Role.FINANCE:
        desk = finance_desk()
        set_counts(desk.nav_counts())
        return render_template("workbench/finance.html", desk=desk, now=utcnow())
    desk = admin_desk(user_id)
    set_counts(desk.counts)
    return render_template(
        "workbench/admin.html", desk=desk, now=utcnow(), activity=latest_notifications(user_id)
    )
