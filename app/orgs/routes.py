"""The Team page (owners: members, invitations, agencies), accepting an invitation, and the
agency members' choice of the brand they act for."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.auth.models import Role
from app.authz import PUBLIC, access
from app.errors import DomainError, NotFound
from app.extensions import db
from app.forms import form_status, show_errors
from app.orgs import services
from app.orgs.acting import ACTING_BRAND_KEY, current_acting, granted_brand
from app.orgs.forms import AcceptForm, ActForForm, ActionForm, GrantForm, InviteForm, RoleForm

bp = Blueprint("orgs", __name__)


@bp.app_context_processor
def _acting_bar():
    """``acting`` for the header: who the person acts for; ``agency_brands()`` for the
    switcher of an agency's members (read only when the header shows it)."""

    def agency_brands():
        acting = current_acting()
        if acting is None or acting.agency_id is None:
            return []
        return services.brands_of_agency(agency_id=acting.agency_id)

    return {"acting": current_acting(), "agency_brands": agency_brands, "act_for_form": ActForForm}


def _person_id() -> int:
    return current_acting().person.id


@bp.route("/team", methods=["GET", "POST"])
@access(Role.BRAND)
def team():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            org = services.own_organisation(person_id=_person_id())
            services.invite_member(organisation_id=org.id, invited_by=_person_id(),
                                   email=form.email.data, role=form.role.data)  # fmt: skip
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("orgs.team"))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return _team_page(form, GrantForm()), form_status(form)


def _team_page(invite_form: InviteForm, grant_form: GrantForm):
    org = services.existing_organisation(person_id=_person_id())
    members, invitations = services.team(organisation_id=org.id) if org else ([], [])
    return render_template(
        "orgs/team.html",
        org=org,
        members=members,
        invitations=invitations,
        grants=services.grants(organisation_id=org.id) if org else [],
        invite_form=invite_form,
        grant_form=grant_form,
        role_form=RoleForm,
        action_form=ActionForm(),
        role_label=services.role_label,
    )


def _team_action(change, done: str):
    """Run one change to the owner's organisation, then back to the Team page."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        org = services.own_organisation(person_id=_person_id())
        change(org.id)
        db.session.commit()
        flash(done, "success")
    except NotFound:
        abort(404)  # another organisation's member, invitation or grant
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("orgs.team"))


@bp.post("/team/members/<int:membership_id>/role")
@access(Role.BRAND)
def change_role(membership_id: int):
    form = RoleForm()  # an unknown role is the service's error, after it found the member
    return _team_action(
        lambda org_id: services.change_role(organisation_id=org_id, membership_id=membership_id,
                                            role=form.role.data, by=_person_id()),
        _("Role changed."),
    )  # fmt: skip


@bp.post("/team/members/<int:membership_id>/remove")
@access(Role.BRAND)
def remove(membership_id: int):
    return _team_action(
        lambda org_id: services.remove_member(
            organisation_id=org_id, membership_id=membership_id, by=_person_id()
        ),
        _("Member removed: their sessions and API keys no longer work."),
    )


@bp.post("/team/invitations/<int:invitation_id>/revoke")
@access(Role.BRAND)
def revoke_invitation(invitation_id: int):
    return _team_action(
        lambda org_id: services.revoke_invitation(
            organisation_id=org_id, invitation_id=invitation_id, by=_person_id()
        ),
        _("Invitation withdrawn."),
    )


@bp.post("/team/agencies")
@access(Role.BRAND)
def grant():
    form = GrantForm()
    if form.validate_on_submit():
        try:
            org = services.own_organisation(person_id=_person_id())
            services.grant_agency(organisation_id=org.id, agency_email=form.agency_email.data,
                                  by=_person_id())  # fmt: skip
            db.session.commit()
            flash(_("The agency may now act for your brand."), "success")
            return redirect(url_for("orgs.team"))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return _team_page(InviteForm(formdata=None), form), form_status(form) or 422


@bp.post("/team/agencies/<int:grant_id>/revoke")
@access(Role.BRAND)
def revoke_grant(grant_id: int):
    return _team_action(
        lambda org_id: services.revoke_grant(
            organisation_id=org_id, grant_id=grant_id, by=_person_id()
        ),
        _("The agency's access to your brand ended."),
    )


@bp.post("/act-for")
@access(Role.BRAND)
def act_for():
    """An agency member picks the brand they act for (kept in their session)."""
    form = ActForForm()
    acting = current_acting()
    if not form.validate_on_submit() or acting.agency_id is None:
        abort(400)
    if form.brand_id.data is None:
        flash(_("Choose the brand to act for."), "error")
        return redirect(url_for("main.home"))
    brand = granted_brand(agency_id=acting.agency_id, brand_user_id=form.brand_id.data)
    if brand is None:
        abort(404)
    session[ACTING_BRAND_KEY] = brand.brand_user_id
    flash(_("You now act for %(brand)s.", brand=brand.name), "success")
    return redirect(url_for("main.home"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def accept(token: str):
    try:
        invitation = services.pending_invitation(token)
    except DomainError as error:
        return render_template("orgs/invitation.html", problem=error.message), 410
    form = AcceptForm()
    signed_in = current_user.is_authenticated
    if form.validate_on_submit():
        try:
            signed_in_id = current_acting().person.id if current_acting() else (
                current_user.id if signed_in else None)  # fmt: skip
            person = services.accept_invitation(
                token=token, password=form.password.data, signed_in_id=signed_in_id
            )
            db.session.commit()
            session.clear()  # a fresh session at sign-in, as the sign-in page starts one
            login_user(person)
            session.permanent = True
            flash(_("Welcome to the team."), "success")
            return redirect(url_for("main.home"))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template(
        "orgs/invitation.html",
        invitation=invitation,
        org=services.organisation(invitation.organisation_id),
        form=form,
        new_account=services.find_account(invitation.email) is None,
        role_label=services.role_label,
    ), form_status(form)
