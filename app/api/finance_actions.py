"""/api/v1/finance: what finance staff do to a payout or a refund that went wrong — hold,
release, retry — through the same services (and audit log) as the finance pages. Admins read
the books but never write them, so these are finance's alone."""

from __future__ import annotations

from flask import request
from marshmallow import Schema, fields
from sqlalchemy import select

from app.api.auth import api_access, api_user
from app.api.finance import STAFF, FinancePayout, payout_json
from app.api.routes import bp
from app.api.schemas import ErrorSchema, PageArgs, StrictSchema, page_of, text
from app.auth.models import Role
from app.extensions import db
from app.finance import services
from app.pagination import page_json
from app.payments.models import Refund

REASON = {"description": "Why (kept in the audit log)"}


class Reason(StrictSchema):
    reason = text(2000, load_default="", metadata=REASON)


class HoldReason(StrictSchema):
    reason = text(2000, required=True, min_length=1, metadata=REASON)


class RefundRetry(Schema):
    refund_id = fields.Integer(required=True)
    attempt_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "staged: the job sends it"})


_NO_PAYOUT = {"schema": ErrorSchema, "description": "No such payout"}
_STATE = {"schema": ErrorSchema, "description": "Not in a state this applies to"}


def _payout_action(rule: str, operation_id: str, summary: str, action, body=Reason) -> None:
    def view(payload: dict, payout_id: int):
        payout = action(payout_id=payout_id, actor_id=api_user().id,
                        reason=payload["reason"], ip=request.remote_addr)  # fmt: skip
        db.session.commit()
        return payout_json(payout)

    view.__name__ = action.__name__  # the endpoint: api.hold_payout, api.retry_failed_payout…
    view = bp.alt_response(409, **_STATE)(view)
    view = bp.alt_response(404, **_NO_PAYOUT)(view)
    view = bp.response(200, FinancePayout, description="The payout after the action")(view)
    view = bp.arguments(body)(view)
    view = bp.doc(operationId=operation_id, summary=summary)(view)
    bp.post(f"/finance/payouts/<int:payout_id>/{rule}")(api_access(Role.FINANCE)(view))


_payout_action("hold", "holdPayout", "Hold a payout before its transfer (a reason is needed)",
               services.hold_payout, HoldReason)  # fmt: skip
_payout_action("release", "releasePayoutHold", "Lift a hold (the transfer is queued again)",
               services.release_payout_hold)  # fmt: skip
_payout_action("retry", "retryPayout", "Retry a failed transfer (same idempotency key)",
               services.retry_failed_payout)  # fmt: skip


class FinanceRefund(Schema):
    id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    amount = fields.Integer(required=True)
    currency = fields.String(required=True)
    reason_code = fields.String(required=True)
    status = fields.String(required=True)
    last_error = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


@bp.get("/finance/refunds")
@api_access(*STAFF)
@bp.doc(operationId="listFinanceRefunds", summary="Refunds, newest first (failed ones to retry)")
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(FinanceRefund, "FinanceRefundList"))
def finance_refunds(args: dict):
    stmt = select(Refund).order_by(Refund.id.desc())
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    items = [
        {"id": r.id, "contract_id": r.contract_id, "amount": r.amount, "currency": r.currency,
         "reason_code": r.reason_code, "status": r.status, "last_error": r.last_error,
         "created_at": r.created_at.isoformat()}
        for r in page.items
    ]  # fmt: skip
    return page_json(page, items)


@bp.post("/finance/refunds/<int:refund_id>/retry")
@api_access(Role.FINANCE)
@bp.doc(operationId="retryRefund", summary="Retry a refund Stripe refused (a new attempt)")
@bp.arguments(Reason)
@bp.response(200, RefundRetry)
@bp.alt_response(404, schema=ErrorSchema, description="No such refund")
@bp.alt_response(409, **_STATE)
def retry_refund(payload: dict, refund_id: int):
    attempt = services.retry_failed_refund(refund_id=refund_id, actor_id=api_user().id,
                                           reason=payload["reason"], ip=request.remote_addr)  # fmt: skip
    db.session.commit()
    return {"refund_id": refund_id, "attempt_id": attempt.id, "status": "staged"}
