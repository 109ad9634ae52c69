"""Register, sign in, sign out, reset a forgotten password."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import services
from app.auth.forms import ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from app.authz import PUBLIC, SIGNED_IN, access
from app.errors import DomainError
from app.extensions import db, limiter
from app.forms import form_status, show_errors
from app.i18n import current_locale
from app.orgs.acting import signed_in_person
from app.text import local_path

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _account_key() -> str:
    return "login:" + services.normalise_email(request.form.get("email", ""))


def _reset_address_key() -> str:
    """Reset links per address: nobody can flood someone's inbox from many IPs."""
    return "reset:" + services.normalise_email(request.form.get("email", ""))


def _config_limit(name: str):
    return lambda: current_app.config[name]


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("main.home")


def _start_session(user, remember: bool = False) -> None:
    session.clear()  # a fresh session at sign-in: nothing carried over from before
    login_user(user, remember=remember)
    session.permanent = True


@bp.route("/register", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_config_limit("REGISTER_LIMIT_IP"), methods=["POST"])
def register():
    form = RegisterForm(role=request.args.get("role", "brand"))
    if form.validate_on_submit():
        try:
            user = services.register_user(
                email=form.email.data,
                password=form.password.data,
                role=form.role.data,
                name=form.name.data,
                locale=current_locale(),
                time_zone=form.time_zone.data,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            _start_session(user)
            flash(_("Welcome! Your account is ready."), "success")
            if form.role.data == services.AGENCY:
                return redirect(url_for("orgs.team"))  # brands grant it access from theirs
            return redirect(url_for("profiles.edit"))
    return render_template("auth/register.html", form=form), form_status(form)


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"], key_func=_account_key, methods=["POST"]
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(email=form.email.data, password=form.password.data)
        if user is not None:
            if user.locale is None:  # an account from before languages were kept: the one in use
                user.locale = current_locale()
            db.session.commit()
            _start_session(user, remember=form.remember.data)
            flash(_("Signed in."), "success")
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [_("The e-mail or password is not right.")]
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
@access(SIGNED_IN)
def logout():
    services.end_sessions(user_id=signed_in_person(current_user).id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/forgot", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_config_limit("LOGIN_LIMIT_IP"), methods=["POST"])
@limiter.limit(_config_limit("PASSWORD_RESET_LIMIT"), key_func=_reset_address_key, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data)
        db.session.commit()
        flash(_("If an account uses that e-mail, a reset link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), form_status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_config_limit("LOGIN_LIMIT_IP"), methods=["POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token=token, new=form.password.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("Your password was changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), form_status(form)
