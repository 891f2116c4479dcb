"""HTTP views of status subscriptions and broadcasts (thin: they call services).

* ``bp`` (``/subscriptions``): sign-up, opt-in confirmation, manage,
  one-click unsubscribe (RFC 8058), export and erase through signed links;
* ``staff_bp`` (``/staff/broadcast``): announcements and the delivery log.

The blueprints keep the names ``notify`` and ``notify_staff`` (endpoints such
as ``notify.manage``) that the portal had before subscriptions moved into
status: the URLs, and the links in e-mails already sent, stay the same.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.auth.decorators import role_required
from portal.cache.forms import public_form
from portal.db import session
from portal.extensions import csrf, limiter
from portal.i18n import current_lang
from portal.status import broadcasts, channels, subscribers
from portal.status import subscriber_links as links
from portal.status import subscriber_schemas as schemas
from portal.status.subscription_models import Broadcast
from portal.validation import form_fields

bp = Blueprint("notify", __name__)
staff_bp = Blueprint("notify_staff", __name__)


def _signup_limit() -> str:
    return current_app.config["SUBSCRIBE_RATE_LIMIT"]


def _components():
    from portal.status.models import Component

    return list(session.scalars(select(Component).order_by(Component.position, Component.name)))


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


def _subscriber_or_error(token: str, purpose: str = links.PURPOSE_MANAGE):
    try:
        return subscribers.from_token(session, token, purpose), None
    except links.InvalidLink as exc:
        message = (_("This link has expired. Please sign up again to get a new one.") if exc.expired
                   else _("This link is not valid (any more). If you are still subscribed, the link in "
                          "your latest e-mail works."))
        return None, _no_store(Response(render_template("status/subscriptions/message.html", title=_("Link not valid"),
                                                        message=message), status=400))


# -- public: subscribe ------------------------------------------------------

@bp.get("/")
def index():
    return render_template("status/subscriptions/subscribe.html", components=_components(), errors={}, form={})


@bp.post("/")
@public_form  # the form on the cached status pages carries the public token (portal.cache.forms)
@limiter.limit(_signup_limit)
def subscribe():
    form = form_fields(schemas.SubscribeForm)
    try:
        subscribers.subscribe_email(session, form.email, locale=form.locale or current_lang(),
                                    component_ids=form.component, all_components=form.everything)
    except subscribers.SubscriptionError as exc:
        session.rollback()
        return render_template("status/subscriptions/subscribe.html", components=_components(), errors={"email": str(exc)},
                               form=request.form), 400
    session.commit()
    return render_template("status/subscriptions/message.html", title=_("Check your inbox"),
                           message=_("We sent you an e-mail. Open the link in it to confirm your subscription."))


@bp.post("/webhook")
@limiter.limit(_signup_limit)
def subscribe_webhook():
    form = form_fields(schemas.WebhookSubscribeForm)
    try:
        subscriber, secret = channels.subscribe_hook(
            session, form.kind, form.url, locale=current_lang(), component_ids=form.component,
            all_components=form.everything)
    except subscribers.SubscriptionError as exc:
        session.rollback()
        return render_template("status/subscriptions/subscribe.html", components=_components(), errors={"url": str(exc)},
                               form=request.form), 400
    session.commit()
    return _no_store(Response(render_template(
        "status/subscriptions/webhook_created.html", subscriber=subscriber, secret=secret,
        manage_url=subscribers.manage_url(subscriber))))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    # GET only shows a button: link checkers that open every URL in a mail
    # must not confirm a subscription on somebody's behalf.
    subscriber, error = _subscriber_or_error(token, links.PURPOSE_CONFIRM)
    if error:
        return error
    if request.method == "POST" or subscriber.is_confirmed:
        subscribers.confirm(session, subscriber)
        return redirect(url_for("notify.manage", token=links.make_token(subscriber, links.PURPOSE_MANAGE),
                                confirmed=1))
    return _no_store(Response(render_template("status/subscriptions/confirm.html", token=token)))


# -- public: manage through the signed link ----------------------------------

@bp.route("/manage/<token>", methods=["GET", "POST"])
def manage(token: str):
    subscriber, error = _subscriber_or_error(token)
    if error:
        return error
    errors = {}
    if request.method == "POST":
        form = form_fields(schemas.ManageForm)
        try:
            subscribers.update(session, subscriber, locale=form.locale, component_ids=form.component,
                               all_components=form.everything)
            flash(_("Your subscription is saved."), "success")
            return redirect(url_for("notify.manage", token=token))
        except subscribers.SubscriptionError as exc:
            session.rollback()
            errors["components"] = str(exc)
    return _no_store(Response(render_template(
        "status/subscriptions/manage.html", subscriber=subscriber, token=token, components=_components(), errors=errors,
        confirmed=request.args.get("confirmed") == "1"), status=400 if errors else 200))


@bp.get("/manage/<token>/export")
def export(token: str):
    subscriber, error = _subscriber_or_error(token)
    if error:
        return error
    data = json.dumps(subscribers.export(session, subscriber), ensure_ascii=False, indent=2)
    response = Response(data, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-subscription-data.json"'
    return _no_store(response)


@bp.post("/manage/<token>/erase")
def erase(token: str):
    subscriber, error = _subscriber_or_error(token)
    if error:
        return error
    subscribers.erase(session, subscriber)
    return render_template("status/subscriptions/message.html", title=_("Your data is erased"),
                           message=_("We deleted your subscription and every message we kept for you."))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET: a page with a button. POST: unsubscribe at once (RFC 8058 one-click,
    sent by mail clients without a CSRF token; the signed token is the proof)."""
    subscriber, error = _subscriber_or_error(token)
    if error:
        return error
    if request.method == "GET":
        return _no_store(Response(render_template("status/subscriptions/unsubscribe.html", token=token, subscriber=subscriber)))
    subscribers.unsubscribe(session, subscriber)
    return render_template("status/subscriptions/message.html", title=_("You are unsubscribed"),
                           message=_("You will not receive status updates from us any more."))


# -- staff: announcements and the delivery log --------------------------------

@staff_bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required("admin", "operator")
def staff_index():
    # Three steps: preview (e-mail and webhook, recipients per channel), an
    # optional test to oneself, then send only with the confirmation ticked.
    errors, form, preview = {}, {}, None
    if request.method == "POST":
        form = request.form
        fields = form_fields(schemas.BroadcastForm)
        action = form.get("action", "preview")
        locale = fields.locale or current_lang()
        try:
            if action == "send" and form.get("confirm") == "yes":
                broadcast = broadcasts.announce(
                    session, subject=fields.subject, body=fields.body, component_id=fields.component or None,
                    locale=locale, by=current_user.email)
                flash(_("Your announcement is on its way."), "success")
                return redirect(url_for("notify_staff.detail", broadcast_id=broadcast.id))
            content, _ids = broadcasts.announcement_content(
                session, subject=fields.subject, body=fields.body, component_id=fields.component or None,
                locale=locale)
            if action == "test":
                broadcasts.send_test(session, content, locale, current_user.email)
                flash(_("A test was sent to %(address)s.", address=current_user.email), "success")
            elif action == "send":
                errors["confirm"] = _("Tick the confirmation to send.")
            preview = {"locale": locale, "mail": content[locale], "webhook": content["webhook"],
                       "counts": broadcasts.recipient_counts(session, fields.component or None)}
        except broadcasts.BroadcastError as exc:
            session.rollback()
            errors["form"] = str(exc)
    items = broadcasts.recent_broadcasts(session)
    counts = broadcasts.delivery_counts(session, [b.id for b in items])
    return render_template("status/staff/broadcasts.html", broadcasts=items, counts=counts, errors=errors, form=form,
                           components=_components(), preview=preview), 400 if errors else 200


@staff_bp.get("/<int:broadcast_id>")
@role_required("admin", "operator")
def detail(broadcast_id: int):
    broadcast = session.get(Broadcast, broadcast_id) or abort(404)
    counts = broadcasts.delivery_counts(session, [broadcast.id]).get(
        broadcast.id, {"sent": 0, "pending": 0, "failed": 0, "dead": 0})
    return render_template("status/staff/broadcast_detail.html", broadcast=broadcast, counts=counts,
                           errors=broadcasts.delivery_errors(session, broadcast.id))


@staff_bp.post("/<int:broadcast_id>/retry")
@role_required("admin", "operator")
def retry(broadcast_id: int):
    if session.get(Broadcast, broadcast_id) is None:
        abort(404)
    count = broadcasts.retry_now(session, broadcast_id)
    flash(_("%(count)d message(s) will be sent again.", count=count), "success")
    return redirect(url_for("notify_staff.detail", broadcast_id=broadcast_id))


#: Shared with :mod:`portal.status.channel_views` (the SMS pages).
component_choices = _components
subscriber_or_error = _subscriber_or_error
