"""Web pages of webhooks: a brand's endpoints, and each one's deliveries with their attempts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.authz import access
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.forms import form_status, show_errors
from app.webhooks import services
from app.webhooks.forms import ActionForm, EndpointForm

bp = Blueprint("webhooks", __name__)


@bp.route("/webhooks", methods=["GET", "POST"])
@access(Role.BRAND)
def index():
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint = services.create_endpoint(
                brand_id=current_user.id, url=form.url.data, events=form.events.data
            )
            db.session.commit()
            flash(_("Endpoint added. Verify our signatures with its secret."), "success")
            return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template(
        "webhooks/index.html",
        form=form,
        endpoints=services.endpoints_of(current_user.id),
        EVENTS=services.EVENTS,
    ), form_status(form)


@bp.get("/webhooks/<int:endpoint_id>")
@access(Role.BRAND)
def detail(endpoint_id: int):
    endpoint = services.owned_endpoint(brand_id=current_user.id, endpoint_id=endpoint_id)
    return render_template(
        "webhooks/detail.html",
        endpoint=endpoint,
        deliveries=services.recent_deliveries(endpoint.id),
        EVENTS=services.EVENTS,
        action_form=ActionForm(),
        now=utcnow(),
    )


def _act(endpoint_id: int, enabled: bool | None):
    services.owned_endpoint(brand_id=current_user.id, endpoint_id=endpoint_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id))
    if enabled is None:
        services.delete_endpoint(brand_id=current_user.id, endpoint_id=endpoint_id)
        db.session.commit()
        flash(_("Endpoint deleted."), "info")
        return redirect(url_for("webhooks.index"))
    services.set_enabled(brand_id=current_user.id, endpoint_id=endpoint_id, enabled=enabled)
    db.session.commit()
    flash(_("Endpoint enabled.") if enabled else _("Endpoint disabled."), "info")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id))


@bp.post("/webhooks/<int:endpoint_id>/enable")
@access(Role.BRAND)
def enable(endpoint_id: int):
    return _act(endpoint_id, True)


@bp.post("/webhooks/<int:endpoint_id>/disable")
@access(Role.BRAND)
def disable(endpoint_id: int):
    return _act(endpoint_id, False)


@bp.post("/webhooks/<int:endpoint_id>/delete")
@access(Role.BRAND)
def delete(endpoint_id: int):
    return _act(endpoint_id, None)


@bp.post("/webhooks/<int:endpoint_id>/rotate")
@access(Role.BRAND)
def rotate(endpoint_id: int):
    services.owned_endpoint(brand_id=current_user.id, endpoint_id=endpoint_id)
    if ActionForm().validate_on_submit():
        services.rotate_secret(brand_id=current_user.id, endpoint_id=endpoint_id)
        db.session.commit()
        flash(_("New signing secret made. The old one keeps signing until the time shown."),
              "success")  # fmt: skip
    else:
        flash(_("The form expired; try again."), "error")
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id))


@bp.post("/webhooks/deliveries/<int:delivery_id>/resend")
@access(Role.BRAND)
def resend(delivery_id: int):
    delivery = services.owned_delivery(brand_id=current_user.id, delivery_id=delivery_id)
    back = redirect(url_for("webhooks.detail", endpoint_id=delivery.endpoint_id))
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return back
    try:
        services.resend_delivery(brand_id=current_user.id, delivery_id=delivery_id)
        db.session.commit()
        flash(_("Sending it again now."), "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    return back
