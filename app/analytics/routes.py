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
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from app.analytics import charts, queries, services, tracking
from app.analytics.pipeline import TrackingUnavailable
from app.auth.models import Role
from app.authz import PUBLIC, access
from app.errors import json_error
from app.extensions import csrf, db, limiter
from app.finance.exports import safe_cell
from app.profiles.models import KolProfile

bp = Blueprint("analytics", __name__)

FLAG_LABELS = {
    "views_without_clicks": _l("Views without clicks"),
    "bot_share": _l("High bot share"),
    "spike": _l("Spike against the note's baseline"),
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
    ("cpa", _l("CPA")), ("roas", _l("ROAS")),
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
    target = tracking.click_target(code=code, request=request)
    if target is None:
        abort(404)
    response = redirect(target, 302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer-when-downgrade"
    return response


@bp.post("/t/conversions")
@access(PUBLIC)
@csrf.exempt
@limiter.limit("120 per minute")
def snippet_conversion():
    """From the order-page snippet (static/js/kol-convert.js): only with a genuine click id,
    counted for the brand whose note was clicked; an order id still counts once."""
    payload = request.get_json(force=True, silent=True)
    values = services.validate_conversion(payload)
    brand_id = services.brand_of_click(values["click_id"])
    if brand_id is None:
        return json_error(422, "unknown_click", _("A click id from a KOL link is required."))
    services.record_conversion(brand_id=brand_id, **values)
    db.session.commit()
    response = Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/analytics")
@access(Role.BRAND)
def overview():
    rng = queries.parse_range(request.args)
    rows = queries.brand_overview(current_user.id, rng)
    return render_template(
        "analytics/overview.html",
        rows=rows,
        rng=rng,
        unattributed=queries.unattributed(current_user.id, rng),
    )


def _sorted(stats: dict) -> tuple[list[dict], str, bool]:
    key = request.args.get("sort", "views")
    descending = request.args.get("dir", "desc") != "asc"
    return queries.sort_rows(stats["notes"], key, descending), key, descending


@bp.get("/analytics/campaigns/<int:campaign_id>")
@access(Role.BRAND)
def campaign(campaign_id: int):
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
        flagged=[r for r in rows if r["flags"]],
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
    metrics = ["views", "uniques", "clicks", "ctr", "conversions", "conversion_rate", "revenue"]
    if table == "series":
        writer.writerow(["time_utc", *metrics, "bot_views", "bot_clicks", "currency"])
        for row in stats["series"]:
            writer.writerow(
                [safe_cell(v) for v in [row["at"], *(row[m] for m in metrics),
                                         row["bot_views"], row["bot_clicks"], campaign.currency]]
            )  # fmt: skip
    else:
        money = ["spend", "cpm", "cpc", "cpa", "roas"]
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


def _kit_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="analytics-media-kit")


def _media_kit(kol_id: int, shared: bool):
    rng = queries.parse_range(request.args)
    stats = queries.stats_for(kol_id=kol_id, rng=rng, with_money=False)
    stats["notes"] = [n for n in stats["notes"] if n["status"] == "published" or n["views"]]
    profile = db.session.get(KolProfile, kol_id)
    return render_template(
        "analytics/media_kit.html",
        stats=stats,
        rng=rng,
        profile=profile,
        shared=shared,
        share_url=url_for(
            "analytics.shared_media_kit", token=_kit_serializer().dumps(kol_id), _external=True
        ),
        chart=charts.series_chart(stats["series"], rng.granularity),
    )


@bp.get("/analytics/media-kit")
@access(Role.KOL)
def media_kit():
    return _media_kit(current_user.id, shared=False)


@bp.get("/k/<token>")
@access(PUBLIC)
def shared_media_kit(token: str):
    """The KOL's media kit as shared: only their own notes' audience numbers."""
    try:
        kol_id = int(_kit_serializer().loads(token))
    except (BadSignature, ValueError, TypeError):
        abort(404)
    if db.session.get(KolProfile, kol_id) is None:
        abort(404)
    return _media_kit(kol_id, shared=True)
