"""Account settings: language, password, personal API keys."""

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.auth import services
from app.auth.forms import AccountSettingsForm, ApiKeyForm, ChangePasswordForm, ConfirmForm
from app.authz import SIGNED_IN, access
from app.errors import DomainError
from app.extensions import db, limiter
from app.forms import form_status, show_errors
from app.orgs.acting import signed_in_person


def _me():
    """The signed-in person (also when they act for their team's brand account)."""
    return signed_in_person(current_user)


bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.route("/", methods=["GET", "POST"])
@access(SIGNED_IN)
def account():
    form = _settings_form()
    if form.validate_on_submit():
        services.set_locale(user_id=_me().id, locale=form.locale.data)
        services.set_time_zone(user_id=_me().id, time_zone=form.time_zone.data)
        db.session.commit()
        session["locale"] = form.locale.data
        flash(_("Settings saved."), "success")
        return redirect(url_for("settings.account"))
    page = render_template("settings/account.html", form=form, password_form=ChangePasswordForm())
    return page, form_status(form)


def _settings_form() -> AccountSettingsForm:
    return AccountSettingsForm(locale=_me().locale or "en", time_zone=_me().time_zone or "UTC")


@bp.post("/password")
@access(SIGNED_IN)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.change_password(
                user_id=_me().id,
                current=form.current_password.data,
                new=form.new_password.data,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            login_user(user)  # this session keeps going; the others end
            flash(_("Password changed. Other devices were signed out."), "success")
            return redirect(url_for("settings.account"))
    settings_form = _settings_form()
    page = render_template("settings/account.html", form=settings_form, password_form=form)
    return page, 422


def _account_key() -> str:
    return f"api-keys:{_me().id}"


@bp.route("/api-keys", methods=["GET", "POST"])
@access(SIGNED_IN)
@limiter.limit(lambda: current_app.config["API_KEY_LIMIT"], key_func=_account_key, methods=["POST"])
def api_keys():
    form = ApiKeyForm()
    new_secret = None
    if form.validate_on_submit():
        try:
            _key, new_secret = services.create_api_key(user_id=_me().id, name=form.name.data)
            db.session.commit()
            flash(_("Key created. Copy it now: it will not be shown again."), "success")
            form = ApiKeyForm(formdata=None)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    keys = services.list_api_keys(user_id=_me().id)
    status = form_status(form)
    return render_template(
        "settings/api_keys.html",
        form=form,
        keys=keys,
        new_secret=new_secret,
        revoke_form=ConfirmForm(),
    ), status


@bp.post("/api-keys/<int:key_id>/revoke")
@access(SIGNED_IN)
def revoke_api_key(key_id: int):
    if ConfirmForm().validate_on_submit():
        services.revoke_api_key(user_id=_me().id, key_id=key_id)
        db.session.commit()
        flash(_("Key revoked."), "info")
    return redirect(url_for("settings.api_keys"))
