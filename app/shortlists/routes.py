"""Web pages of shortlists: the brand's lists, one list compared side by side, the "Save to
shortlist" control of Find KOLs and the KOL page, and inviting a whole list at once."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.models import Role
from app.authz import access
from app.campaigns import discovery
from app.campaigns.queries import open_campaigns_of
from app.errors import DomainError
from app.extensions import db
from app.forms import form_status, show_errors
from app.profiles.audience import audience_quality
from app.shortlists import services
from app.shortlists.forms import ActionForm, InviteListForm, NameForm, SaveForm

bp = Blueprint("shortlists", __name__)


@bp.app_context_processor
def _save_control():
    """``brand_shortlists()`` for the "Save to shortlist" macro: read once per request."""

    def brand_shortlists():
        if "brand_shortlists" not in g:
            g.brand_shortlists = services.shortlists_of(current_user.id)
        return g.brand_shortlists

    return {"brand_shortlists": brand_shortlists}


@bp.route("/shortlists", methods=["GET", "POST"])
@access(Role.BRAND)
def index():
    form = NameForm()
    if form.validate_on_submit():
        try:
            shortlist = services.create_shortlist(brand_id=current_user.id, name=form.name.data)
            db.session.commit()
            flash(_("Shortlist “%(name)s” created.", name=shortlist.name), "success")
            return redirect(url_for("shortlists.detail", shortlist_id=shortlist.id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    lists = services.shortlists_of(current_user.id)
    return render_template("shortlists/index.html", form=form, shortlists=lists), form_status(form)


@bp.get("/shortlists/<int:shortlist_id>")
@access(Role.BRAND)
def detail(shortlist_id: int):
    shortlist = services.owned_shortlist(brand_id=current_user.id, shortlist_id=shortlist_id)
    return _detail_page(shortlist, InviteListForm(), NameForm(data={"name": shortlist.name}))


def _detail_page(shortlist, invite_form: InviteListForm, name_form: NameForm):
    invite_form.campaign_id.choices = [(c.id, c.title) for c in open_campaigns_of(current_user.id)]
    rows = discovery.kol_rows(shortlist.kol_ids)
    status = max(form_status(invite_form), form_status(name_form))
    return render_template(
        "shortlists/detail.html",
        shortlist=shortlist,
        rows=rows,
        audience=audience_quality(shortlist.kol_ids),
        invite_form=invite_form,
        name_form=name_form,
        action_form=ActionForm(),
    ), status


@bp.post("/shortlists/<int:shortlist_id>/rename")
@access(Role.BRAND)
def rename(shortlist_id: int):
    shortlist = services.owned_shortlist(brand_id=current_user.id, shortlist_id=shortlist_id)
    form = NameForm()
    if form.validate_on_submit():
        try:
            services.rename_shortlist(
                brand_id=current_user.id, shortlist_id=shortlist_id, name=form.name.data
            )
            db.session.commit()
            flash(_("Shortlist renamed."), "success")
            return redirect(url_for("shortlists.detail", shortlist_id=shortlist_id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            shortlist = services.owned_shortlist(
                brand_id=current_user.id, shortlist_id=shortlist_id
            )
    return _detail_page(shortlist, InviteListForm(formdata=None), form)


@bp.post("/shortlists/<int:shortlist_id>/delete")
@access(Role.BRAND)
def delete(shortlist_id: int):
    services.owned_shortlist(brand_id=current_user.id, shortlist_id=shortlist_id)
    if ActionForm().validate_on_submit():
        services.delete_shortlist(brand_id=current_user.id, shortlist_id=shortlist_id)
        db.session.commit()
        flash(_("Shortlist deleted."), "info")
        return redirect(url_for("shortlists.index"))
    flash(_("The form expired; try again."), "error")
    return redirect(url_for("shortlists.detail", shortlist_id=shortlist_id))


@bp.post("/shortlists/<int:shortlist_id>/kols/<int:kol_id>/remove")
@access(Role.BRAND)
def remove(shortlist_id: int, kol_id: int):
    services.owned_shortlist(brand_id=current_user.id, shortlist_id=shortlist_id)
    if ActionForm().validate_on_submit():
        services.remove_kol(brand_id=current_user.id, shortlist_id=shortlist_id, kol_id=kol_id)
        db.session.commit()
        flash(_("Removed from the shortlist."), "info")
    else:
        flash(_("The form expired; try again."), "error")
    return redirect(url_for("shortlists.detail", shortlist_id=shortlist_id))


@bp.post("/shortlists/save")
@access(Role.BRAND)
def save():
    """The "Save to shortlist" control: into a chosen list, or a new one named on the spot."""
    form = SaveForm()
    if not form.validate_on_submit():
        flash(_("Choose a shortlist or name a new one."), "error")
        return redirect(_back(None))
    try:
        shortlist_id = (
            form.shortlist_id.data
            or services.shortlist_named(brand_id=current_user.id, name=form.name.data).id
        )
        shortlist = services.owned_shortlist(brand_id=current_user.id, shortlist_id=shortlist_id)
        added = services.add_kol(
            brand_id=current_user.id, shortlist_id=shortlist_id, kol_id=form.kol_id.data
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        messages = [m for ms in error.fields.values() for m in ms] or [error.message]
        flash(" ".join(messages), "error")
        return redirect(_back(None))
    if added:
        flash(_("Saved to “%(name)s”.", name=shortlist.name), "success")
    else:
        flash(_("Already on “%(name)s”.", name=shortlist.name), "info")
    return redirect(_back(shortlist.id))


def _back(shortlist_id: int | None) -> str:
    """Back to the Find KOLs results or KOL page the control was on (a path on this site,
    never another host), else the shortlist."""
    parts = urlsplit(request.referrer or "")
    if parts.path.startswith("/kols") and not parts.path.startswith("//"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if shortlist_id is not None:
        return url_for("shortlists.detail", shortlist_id=shortlist_id)
    return url_for("shortlists.index")


@bp.post("/shortlists/<int:shortlist_id>/invite")
@access(Role.BRAND)
def invite(shortlist_id: int):
    shortlist = services.owned_shortlist(brand_id=current_user.id, shortlist_id=shortlist_id)
    form = InviteListForm()
    form.campaign_id.choices = [(c.id, c.title) for c in open_campaigns_of(current_user.id)]
    if form.validate_on_submit():
        try:
            result = services.invite_shortlist(
                brand_id=current_user.id,
                shortlist_id=shortlist_id,
                campaign_id=form.campaign_id.data,
                message=form.message.data,
            )
            db.session.commit()
            _flash_invited(result)
            return redirect(url_for("shortlists.detail", shortlist_id=shortlist_id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            shortlist = services.owned_shortlist(
                brand_id=current_user.id, shortlist_id=shortlist_id
            )
    return _detail_page(shortlist, form, NameForm(formdata=None, data={"name": shortlist.name}))


def _flash_invited(result) -> None:
    n = len(result.invited)
    flash(ngettext("%(num)d KOL invited.", "%(num)d KOLs invited.", n), "success")
    if result.already:
        count = len(result.already)
        flash(
            ngettext(
                "%(num)d was invited before and was not invited again.",
                "%(num)d were invited before and were not invited again.",
                count,
            ),
            "info",
        )
    if result.not_verified:
        count = len(result.not_verified)
        flash(
            ngettext(
                "%(num)d is no longer verified and was not invited.",
                "%(num)d are no longer verified and were not invited.",
                count,
            ),
            "info",
        )
