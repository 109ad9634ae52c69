"""Documents in the reader's language: stored codes and parameters turned into words, once,
for the HTML page, the PDF and the archive alike."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.money import format_money
from app.paperwork.models import Invoice

LINES = {
    "price": _l("Sponsored note, contract #%(contract)s"),
    "platform_fee": _l("Platform fee"),
    "outcome_reserve": _l("Reserve for commission and bonus (unused part refunded)"),
    "licence": _l("Usage licence for the note of contract #%(contract)s, with its platform fee"),
    "payment": _l("Payment for contract #%(contract)s"),
    "refund": _l("Refund (%(reason)s) against invoice %(invoice)s"),
}
REASONS = {
    "cancellation": _l("contract cancelled"),
    "dispute": _l("dispute resolved"),
    "takedown": _l("note taken down"),
    "late_payment": _l("paid after cancellation"),
    "second_payment": _l("second payment"),
    "outcome_remainder": _l("unused commission reserve"),
}


@dataclass(frozen=True)
class Line:
    text: str
    net: str
    tax: str
    gross: str


@dataclass(frozen=True)
class Document:
    """Every word and figure of one invoice or credit note, in the reader's language."""

    title: str
    number: str
    issued_on: str
    seller: dict
    buyer: dict
    lines: list[Line]
    net: str
    tax: str
    total: str
    tax_note: str
    reference: str


def line_text(line: dict) -> str:
    params = dict(line.get("params") or {})
    if "reason" in params:
        params["reason"] = str(REASONS.get(params["reason"], params["reason"]))
    template = LINES.get(line["code"])
    if template is None:
        return line["code"]
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(LINES.get(line["code"]) or line["code"]).split("%")[0].strip()


def document(invoice: Invoice) -> Document:
    cur = invoice.currency
    sign = -1 if invoice.is_credit_note else 1
    lines = [
        Line(
            text=line_text(line),
            net=format_money(sign * line["net"], cur),
            tax=format_money(sign * line["tax"], cur),
            gross=format_money(sign * line["gross"], cur),
        )
        for line in invoice.lines
    ]
    if invoice.tax_rate_bps:
        rate = f"{invoice.tax_rate_bps / 100:g}%"
        tax_note = _("Amounts include tax at %(rate)s.", rate=rate)
    else:
        tax_note = _("No tax charged.")
    return Document(
        title=_("Credit note") if invoice.is_credit_note else _("Invoice"),
        number=invoice.display_number,
        issued_on=invoice.issued_at.strftime("%Y-%m-%d"),  # the UTC day, as numbered
        seller=invoice.seller,
        buyer=invoice.buyer,
        lines=lines,
        net=format_money(sign * (invoice.total - invoice.tax), cur),
        tax=format_money(sign * invoice.tax, cur),
        total=format_money(sign * invoice.total, cur),
        tax_note=tax_note,
        reference=_("Contract #%(id)s", id=invoice.contract_id),
    )


def labels() -> dict[str, str]:
    """The headings every document uses, in the reader's language."""
    return {
        "seller": _("From"),
        "buyer": _("Bill to"),
        "number": _("Number"),
        "date": _("Date of issue"),
        "tax_id": _("Tax ID"),
        "description": _("Description"),
        "net": _("Net"),
        "tax": _("Tax"),
        "amount": _("Amount"),
        "subtotal": _("Subtotal"),
        "total": _("Total"),
    }
