"""The shopper's own profile page. Its route is app/profiles/routes.py's ``edit`` (/profile,
one address for every role), which hands a shopper to ``edit_shopper_profile``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.engagement import shoppers
from app.errors import DomainError
from app.extensions import db
from app.forms import form_status, show_errors


def edit_shopper_profile():
    """/profile for a shopper (the route is app/profiles/routes.py's ``edit``)."""
    profile = shoppers.shopper_profile(current_user.id)
    form = shoppers.ShopperProfileForm(obj=profile)
    if form.validate_on_submit():
        try:
            shoppers.update_shopper_profile(
                user_id=current_user.id,
                display_name=form.display_name.data,
                interests=form.interests.data,
                avatar=request.files.get("avatar"),
            )
            db.session.commit()
            flash(_("Profile saved."), "success")
            return redirect(url_for("profiles.edit"))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            profile = shoppers.shopper_profile(current_user.id)
    return render_template("engagement/shopper_edit.html", form=form, profile=profile), form_status(
        form
    )
