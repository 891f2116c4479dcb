"""``POST /api/v1/customers``: a signup hook sends the new customer the welcome letter."""
from __future__ import annotations

from flask import Blueprint, jsonify

from portal.auth.decorators import api_auth_required
from portal.db import session
from portal.extensions import csrf
from portal.kb import welcome
from portal.kb.schemas import CustomerCreate
from portal.validation import json_body

api_bp = Blueprint("kb_welcome_api", __name__)
# Token-authenticated JSON API; a browser session is still CSRF-checked by
# api_auth_required itself.
csrf.exempt(api_bp)


@api_bp.post("/customers")
@api_auth_required("admin", "operator")
def create_customer():
    data = json_body(CustomerCreate)
    try:
        message, queued = welcome.send_welcome(session, data.email, name=data.name, locale=data.locale)
    except welcome.AddressError as exc:
        session.rollback()
        return jsonify({"error": {"code": 400, "message": str(exc)}}), 400
    session.commit()
    return jsonify({"email": message.recipient, "welcome_letter": "queued" if queued else "already_sent",
                    "message_id": message.payload.get("message_id")}), 202 if queued else 200
