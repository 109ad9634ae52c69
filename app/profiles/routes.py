"""Edit one's profile, manage social accounts, ask for verification, show KOL profiles."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.forms import ConfirmForm
from app.auth.models import Role
from app.authz import PUBLIC, access
from app.engagement.shopper_page import edit_shopper_profile
from app.errors import DomainError
from app.extensions import db
from app.forms import form_status, show_errors
from app.money import to_major_text
from app.notes.queries import note_cards, published_by_brand
from app.profiles import queries, services
from app.profiles.accounts import own_account
from app.profiles.audience import audience_quality
from app.profiles.forms import (
    BrandProfileForm,
    FollowersForm,
    KolProfileForm,
    SocialAccountForm,
    VerificationForm,
)

bp = Blueprint("profiles", __name__)


def _kol_form(profile) -> KolProfileForm:
    return KolProfileForm(
        obj=profile,
        niches=profile.niche_codes,
        languages=profile.language_codes,
        rate_image=to_major_text(profile.rate_image, profile.rate_currency)
        if profile.rate_image
        else "",
        rate_video=to_major_text(profile.rate_video, profile.rate_currency)
        if profile.rate_video
        else "",
    )


@bp.route("/profile", methods=["GET", "POST"])
@access(Role.BRAND, Role.KOL, Role.SHOPPER)
def edit():
    if current_user.role == Role.BRAND:
        return _edit_brand()
    if current_user.role == Role.SHOPPER:
        return edit_shopper_profile()
    return _edit_kol()


def _edit_brand():
    profile = services.brand_profile(current_user.id)
    form = BrandProfileForm(obj=profile)
    if form.validate_on_submit():
        try:
            services.update_brand_profile(
                user_id=current_user.id, **_fields(form, "logo"), logo=request.files.get("logo")
            )
            db.session.commit()
            flash(_("Profile saved."), "success")
            return redirect(url_for("profiles.edit"))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template("profiles/brand_edit.html", form=form, profile=profile), form_status(
        form
    )


def _edit_kol():
    profile = services.kol_profile(current_user.id)
    form = _kol_form(profile) if request.method == "GET" else KolProfileForm()
    if form.validate_on_submit():
        try:
            services.update_kol_profile(
                user_id=current_user.id,
                **_fields(form, "avatar"),
                avatar=request.files.get("avatar"),
            )
            db.session.commit()
            flash(_("Profile saved."), "success")
            return redirect(url_for("profiles.edit"))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            profile = services.kol_profile(current_user.id)
    return render_template(
        "profiles/kol_edit.html",
        form=form,
        profile=profile,
        social_form=SocialAccountForm(),
        followers_form=FollowersForm(formdata=None),
        remove_form=ConfirmForm(),
    ), form_status(form)


def _fields(form, *skip: str) -> dict:
    return {k: v for k, v in form.data.items() if k not in {"csrf_token", *skip}}


@bp.post("/profile/social")
@access(Role.KOL)
def add_social():
    form = SocialAccountForm()
    if form.validate_on_submit():
        try:
            services.add_social_account(user_id=current_user.id, **_fields(form))
            db.session.commit()
            flash(_("Account added."), "success")
        except DomainError as error:
            db.session.rollback()
            flash(" ".join(m for ms in error.fields.values() for m in ms) or error.message, "error")
    else:
        flash(" ".join(f"{form[k].label.text}: {v[0]}" for k, v in form.errors.items()), "error")
    return redirect(url_for("profiles.edit") + "#social")


@bp.post("/profile/social/<int:account_id>")
@access(Role.KOL)
def change_social(account_id: int):
    """A new follower count: counted once an admin has checked it."""
    own_account(services.kol_profile(current_user.id), account_id)  # another's: 404
    form = FollowersForm()
    if form.validate_on_submit():
        services.update_social_account(
            user_id=current_user.id, account_id=account_id, followers=form.followers.data
        )
        db.session.commit()
        flash(_("Follower count saved: it counts once an admin has checked it."), "info")
    else:
        flash(" ".join(v[0] for v in form.errors.values()), "error")
    return redirect(url_for("profiles.edit") + "#social")


@bp.post("/profile/social/<int:account_id>/remove")
@access(Role.KOL)
def remove_social(account_id: int):
    if ConfirmForm().validate_on_submit():
        services.remove_social_account(user_id=current_user.id, account_id=account_id)
        db.session.commit()
        flash(_("Account removed."), "info")
    return redirect(url_for("profiles.edit") + "#social")


@bp.route("/profile/verification", methods=["GET", "POST"])
@access(Role.KOL)
def verification():
    form = VerificationForm()
    if form.validate_on_submit():
        try:
            services.submit_verification(
                user_id=current_user.id,
                handles=form.handles.data,
                screenshot=request.files.get("screenshot"),
            )
            db.session.commit()
            flash(_("Thanks! An admin will review your accounts soon."), "success")
            return redirect(url_for("profiles.verification"))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template(
        "profiles/verification.html",
        form=form,
        profile=services.kol_profile(current_user.id),
        latest=services.latest_verification(current_user.id),
    ), form_status(form)


@bp.get("/kols/<int:kol_id>")
@access(PUBLIC)
def kol_page(kol_id: int):
    notes = queries.published_notes(kol_id)
    return render_template(
        "profiles/kol_page.html",
        profile=services.kol_profile(kol_id),
        audience=audience_quality([kol_id]).get(kol_id),
        record=queries.track_record(kol_id),
        notes=notes,
        **note_cards(notes),
    )


@bp.get("/brands/<int:brand_id>")
@access(PUBLIC)
def brand_page(brand_id: int):
    profile = services.brand_profile(brand_id)
    notes = published_by_brand(brand_id)
    return render_template(
        "profiles/brand_page.html", profile=profile, notes=notes, **note_cards(notes)
    )
