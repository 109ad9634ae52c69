"""Analytics pages: the brand's campaign dashboards and CSV, the KOL's media kit (private and
shared), and the tracked product link /go/<code>."""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import stamps, viewer_cache
from app.analytics import charts, orders, queries, services, tracking
from app.analytics import media_kit as media_kit_links
from app.analytics.metrics import sort_rows
from app.analytics.pipeline import TrackingUnavailable
from app.auth.forms import ConfirmForm
from app.auth.models import Role
from app.authz import PUBLIC, access
from app.csvsafe import safe_cell
from app.errors import DomainError, ValidationFailed, json_error
from app.extensions import csrf, db, limiter
from app.forms import form_status, show_errors
from app.outcomes.services import outcome_progress
from app.profiles.audience import audience_quality
from app.profiles.models import KolProfile

bp = Blueprint("analytics", __name__)

FLAG_LABELS = {
    "views_without_clicks": _l("Views without clicks"),
    "bot_share": _l("High bot share"),
    "spike": _l("Spike against the note's baseline"),
    "new_account_engagement": _l("Engagement from new accounts"),
    "new_account_burst": _l("Burst of engagement from new accounts"),
}
REASON_LABELS = {
    "no_click": _l("No click id or promo code"),
    "unknown_click": _l("Unknown click id"),
    "before_click": _l("Order before the click"),
    "outside_window": _l("Outside the attribution window"),
    "unknown_promo_code": _l("Unknown promo code"),
}
COLUMNS = (
    ("title", _l("Note")), ("kol", _l("KOL")), ("views", _l("Views")),
    ("uniques", _l("Unique visitors")), ("clicks", _l("Clicks")), ("ctr", _l("CTR")),
    ("conversions", _l("Conversions")), ("conversion_rate", _l("Conversion rate")),
    ("revenue", _l("Revenue")), ("spend", _l("Spend")), ("cpm", _l("CPM")), ("cpc", _l("CPC")),
    ("cpa", _l("CPA")), ("roas", _l("ROAS")), ("likes", _l("Likes")), ("saves", _l("Saves")),
    ("comments", _l("Comments")), ("follows", _l("Follows gained")), ("bought", _l("Bought it")),
    ("engagement_rate", _l("Engagement rate")), ("cpe", _l("CPE")),
)  # fmt: skip
# CSV columns after the traffic metrics, in every table.
ENGAGEMENT_CSV = (
    "likes", "saves", "comments", "follows", "bought", "engagements", "engagement_rate",
    "flagged_engagements",
)  # fmt: skip


@bp.record_once
def _template_helpers(state) -> None:
    state.app.jinja_env.globals.update(
        ANALYTICS_FLAG_LABELS=FLAG_LABELS, ANALYTICS_REASON_LABELS=REASON_LABELS
    )


@bp.app_errorhandler(TrackingUnavailable)
def _tracking_unavailable(error: TrackingUnavailable):
    body, status = json_error(503, error.code, error.message)
    if not request.path.startswith("/api/"):
        body = Response(error.message, mimetype="text/plain")
    return body, status, {"Retry-After": str(error.retry_after)}


@bp.get("/go/<code>")
@access(PUBLIC)
def go(code: str):
    """A published note's product link: records the click, then 302 to the campaign's stored
    product URL with the click id and UTM parameters. Never anywhere else."""
    # No HTML body (werkzeug's redirect() builds one): browsers and apps follow Location. The
    # shop sees only our origin as the referrer (the app-wide Referrer-Policy).
    response = tracking.click_redirect(code=code, request=request)
    if response is None:
        abort(404)
    return response


def _click_key() -> str:
    """The click an order-page report names: its reports are limited per click, whatever the
    address they come from."""
    payload = request.get_json(force=True, silent=True)
    click = payload.get("click_id") if isinstance(payload, dict) else None
    return f"click:{str(click)[:64]}"


@bp.post("/t/conversions")
@access(PUBLIC)
@csrf.exempt
@limiter.limit("120 per minute")
@limiter.limit(lambda: current_app.config["ANALYTICS_SNIPPET_LIMIT"], key_func=_click_key)
def snippet_conversion():
    """From the order-page snippet (static/js/kol-convert.js): only with a genuine click id,
    for the brand whose note was clicked; an order id still counts once. Anyone can send this,
    so the order is kept **unconfirmed** (shown apart, earning nothing) until the brand's
    server reports the same order id with its API key."""
    payload = request.get_json(force=True, silent=True)
    try:
        values = services.validate_conversion(payload)
    except ValidationFailed as error:  # a script reads the answer: JSON, naming the fields
        return json_error(422, error.code, error.message, error.fields)
    if values["value"] > current_app.config["ANALYTICS_SNIPPET_MAX_VALUE"]:
        message = _("Too large for an order reported from the order page.")
        return json_error(422, "validation_failed", message, {"value": [message]})
    brand_id = services.brand_of_click(values["click_id"])
    if brand_id is None:
        return json_error(422, "unknown_click", _("A click id from a KOL link is required."))
    services.record_conversion(brand_id=brand_id, confirmed=False, **values)
    db.session.commit()
    response = Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _overview_key() -> tuple:
    return ("analytics.overview", request.query_string)


@bp.get("/analytics")
@viewer_cache.served_to_viewer_first(_overview_key)
@access(Role.BRAND)
def overview():
    """Every campaign's figures, cached for its brand like a campaign's dashboard (up to
    ANALYTICS_DASHBOARD_SECONDS; the page says so, "Refresh now" reads them afresh)."""
    seconds = current_app.config["ANALYTICS_DASHBOARD_SECONDS"]
    if request.args.get("refresh") or not seconds:
        return _overview_page()
    html = viewer_cache.viewer_page(
        _overview_key(), _overview_page, ttl=seconds, shared=True,
        stamps=stamps.keys_for_brand(current_user.id),
    )  # fmt: skip
    return html if html is not None else _overview_page()


def _overview_page() -> str:
    rng = queries.parse_range(request.args)
    rows = queries.brand_overview(current_user.id, rng)
    return render_template(
        "analytics/overview.html",
        rows=rows,
        rng=rng,
        unattributed=orders.unattributed(current_user.id, rng.since, rng.until),
    )


def _sorted(stats: dict) -> tuple[list[dict], str, bool]:
    key = request.args.get("sort", "views")
    descending = request.args.get("dir", "desc") != "asc"
    return sort_rows(stats["notes"], key, descending), key, descending


def _dashboard_key(campaign_id: int) -> tuple:
    return ("analytics.campaign", campaign_id, request.query_string)


@bp.get("/analytics/campaigns/<int:campaign_id>")
@viewer_cache.served_to_viewer_first(_dashboard_key)
@access(Role.BRAND)
def campaign(campaign_id: int):
    """A campaign's dashboard, cached for its brand up to ANALYTICS_DASHBOARD_SECONDS (the page
    says how old it may be; "Refresh now" asks for the figures as they are this moment)."""
    seconds = current_app.config["ANALYTICS_DASHBOARD_SECONDS"]
    if request.args.get("refresh") or not seconds:
        return _campaign_page(campaign_id)
    html = viewer_cache.viewer_page(
        _dashboard_key(campaign_id), lambda: _campaign_page(campaign_id), ttl=seconds,
        shared=True, stamps=stamps.keys_for_brand(current_user.id),
    )  # fmt: skip
    return html if html is not None else _campaign_page(campaign_id)


def _campaign_page(campaign_id: int) -> str:
    campaign = queries.brand_campaign(brand_id=current_user.id, campaign_id=campaign_id)
    rng = queries.parse_range(request.args)
    stats = queries.stats_for(campaign_id=campaign.id, rng=rng)
    rows, sort, descending = _sorted(stats)
    return render_template(
        "analytics/campaign.html",
        campaign=campaign,
        stats=stats,
        rows=rows,
        sort=sort,
        descending=descending,
        rng=rng,
        columns=COLUMNS,
        chart=charts.series_chart(stats["series"], rng.granularity),
        engagement_chart=charts.series_chart(
            stats["series"], rng.granularity, charts.ENGAGEMENT_LINES
        ),
        flagged=[r for r in rows if r["flags"]],
        outcomes=outcome_progress(campaign.id),  # commission, bonus progress (issue 21)
    )


@bp.get("/analytics/campaigns/<int:campaign_id>/export.csv")
@access(Role.BRAND)
def export(campaign_id: int):
    campaign = queries.brand_campaign(brand_id=current_user.id, campaign_id=campaign_id)
    rng = queries.parse_range(request.args)
    stats = queries.stats_for(campaign_id=campaign.id, rng=rng)
    table = request.args.get("table", "notes")
    out = io.StringIO()
    writer = csv.writer(out)
    metrics = ["views", "uniques", "clicks", "ctr", "conversions", "converted_clicks",
               "conversion_rate", "revenue", *ENGAGEMENT_CSV]  # fmt: skip
    if table == "series":
        writer.writerow(["time_utc", *metrics, "bot_views", "bot_clicks", "currency"])
        for row in stats["series"]:
            writer.writerow(
                [safe_cell(v) for v in [row["at"], *(row[m] for m in metrics),
                                         row["bot_views"], row["bot_clicks"], campaign.currency]]
            )  # fmt: skip
    else:
        money = ["spend", "cpm", "cpc", "cpa", "cpe", "roas",
                 "unconfirmed_conversions", "unconfirmed_revenue", "commission"]  # fmt: skip
        writer.writerow(["note_id", "title", "kol", "contract_id", *metrics, *money,
                         "bot_views", "bot_clicks", "flags", "currency"])  # fmt: skip
        for row in stats["notes"]:
            flags = " ".join(f["kind"] for f in row["flags"])
            values = [row["note_id"], row["title"], row["kol"], row["contract_id"],
                      *(row[m] for m in metrics), *(row.get(m) for m in money),
                      row["bot_views"], row["bot_clicks"], flags, campaign.currency]  # fmt: skip
            writer.writerow([safe_cell(v) for v in values])
    name = f"campaign-{campaign.id}-{table}-{rng.start}-{rng.end}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _media_kit(kol_id: int, shared: bool, form=None):
    rng = queries.parse_range(request.args)
    stats = queries.stats_for(kol_id=kol_id, rng=rng, with_money=False)
    stats["notes"] = [n for n in stats["notes"] if n["status"] == "published" or n["views"]]
    profile = db.session.get(KolProfile, kol_id)
    page = render_template(
        "analytics/media_kit.html",
        stats=stats,
        rng=rng,
        profile=profile,
        audience=audience_quality([kol_id]).get(kol_id),
        shared=shared,
        links=[] if shared else media_kit_links.links_of(kol_id),
        link_form=form or media_kit_links.MediaKitLinkForm(formdata=None),
        revoke_form=ConfirmForm(),
        chart=charts.series_chart(stats["series"], rng.granularity),
    )
    return page, form_status(form) if form is not None else 200


@bp.route("/analytics/media-kit", methods=["GET", "POST"])
@access(Role.KOL)
def media_kit():
    """The KOL's own media kit, and the named share links they hand out (POST creates one)."""
    form = None
    if request.method == "POST":
        form = media_kit_links.MediaKitLinkForm()
        if form.validate_on_submit():
            try:
                media_kit_links.create_link(kol_id=current_user.id, name=form.name.data)
            except DomainError as error:
                db.session.rollback()
                show_errors(form, error)
            else:
                db.session.commit()
                flash(_("Link created. Copy it from the list below."), "success")
                return redirect(url_for("analytics.media_kit"))
    return _media_kit(current_user.id, shared=False, form=form)


@bp.post("/analytics/media-kit/links/<int:link_id>/revoke")
@access(Role.KOL)
def revoke_media_kit_link(link_id: int):
    if ConfirmForm().validate_on_submit():
        media_kit_links.revoke_link(kol_id=current_user.id, link_id=link_id)
        db.session.commit()
        flash(_("Link revoked: it no longer opens your media kit."), "info")
    return redirect(url_for("analytics.media_kit"))


@bp.get("/k/<token>")
@access(PUBLIC)
def shared_media_kit(token: str):
    """The KOL's media kit through an active share link: only their own notes' audience
    numbers. Revoked, unknown and old-scheme links answer 404."""
    kol_id = media_kit_links.open_link(token)
    if kol_id is None or db.session.get(KolProfile, kol_id) is None:
        abort(404)
    db.session.commit()  # the link's last view
    page, status = _media_kit(kol_id, shared=True)
    response = Response(page, status=status)
    response.headers["X-Robots-Tag"] = "noindex"
    return response
