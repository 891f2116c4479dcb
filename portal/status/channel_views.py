"""HTTP views of SMS subscriptions (sign-up, code, the gateways' STOP
webhooks) and the short incident links that SMS carry (``/s/<id>``).

Sign-up is limited per client address and per phone number (Flask-Limiter),
so the portal cannot be used to flood a number with codes.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from portal.db import session
from portal.extensions import csrf, limiter
from portal.i18n import current_lang
from portal.outbox import sms
from portal.status import channels, subscribers
from portal.status import subscriber_links as links
from portal.status import subscriber_schemas as schemas
from portal.validation import form_fields

bp = Blueprint("channels", __name__)


def _ip_limit() -> str:
    return current_app.config["SMS_SIGNUP_RATE_LIMIT"]


def _number_limit() -> str:
    return current_app.config["SMS_NUMBER_RATE_LIMIT"]


def _number_key() -> str:
    """The limiter's key: the number as E.164 (so spacing does not reset it)."""
    raw = request.form.get("phone", "")
    try:
        return "sms:" + channels.normalize_phone(raw)
    except subscribers.SubscriptionError:
        return "sms-invalid:" + (request.remote_addr or "")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/subscriptions/sms")
@limiter.limit(_ip_limit)
@limiter.limit(_number_limit, key_func=_number_key)
def subscribe_sms():
    from portal.status.subscriber_views import component_choices

    form = form_fields(schemas.SmsSubscribeForm)
    try:
        subscriber = channels.subscribe_sms(session, form.phone, locale=form.locale or current_lang(),
                                            component_ids=form.component, all_components=form.everything)
    except subscribers.SubscriptionError as exc:
        session.rollback()
        return render_template("status/subscriptions/subscribe.html", components=component_choices(),
                               errors={"phone": str(exc)}, form=request.form), 400
    session.commit()
    return redirect(url_for("channels.verify_sms", token=links.make_token(subscriber, links.PURPOSE_CONFIRM)))


@bp.route("/subscriptions/sms/verify/<token>", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def verify_sms(token: str):
    from portal.status.subscriber_views import subscriber_or_error

    subscriber, error = subscriber_or_error(token, links.PURPOSE_CONFIRM)
    if error:
        return error
    problem = None
    if request.method == "POST":
        form = form_fields(schemas.SmsVerifyForm)
        try:
            channels.verify_sms(session, subscriber, form.code)
        except subscribers.SubscriptionError as exc:
            problem = str(exc)
        else:
            return redirect(url_for("notify.manage", token=links.make_token(subscriber, links.PURPOSE_MANAGE),
                                    confirmed=1))
    return _no_store(Response(render_template("status/subscriptions/sms_verify.html", subscriber=subscriber,
                                              error=problem), status=400 if problem else 200))


@bp.post("/subscriptions/sms/inbound/<provider>")
@csrf.exempt
def sms_inbound(provider: str):
    """The gateway's inbound-message webhook: a STOP reply stops that number."""
    if provider not in sms.GATEWAYS:
        abort(404)
    try:
        sender, text = sms.inbound(current_app.config, provider, request.url, request.form.to_dict(),
                                   request.headers, request.get_data())
    except sms.SmsError:
        abort(403)
    if sender and sms.is_stop(text):
        channels.stop_number(session, sender)
    if provider == "twilio":  # an empty TwiML answer: no auto-reply from us
        return Response("<Response></Response>", mimetype="application/xml")
    return Response("", status=204)


@bp.get("/s/<code>")
def short_link(code: str):
    """The short link in an SMS: the incident's page."""
    from sqlalchemy import select

    from portal.status.models import Incident

    if not code.isalnum() or len(code) > 16:
        abort(404)
    public_id = session.scalar(select(Incident.public_id).where(Incident.public_id == code))
    if public_id is None:
        abort(404)
    return redirect(url_for("status.incident_any_language", public_id=public_id), code=302)
