"""HTTP views of the auth domain (thin: they call services).

Sign-in and sign-out, the staff dashboard, the user's own API tokens and
password. Every form is a Flask-WTF form (CSRF); the sign-in POST is
rate-limited per client address with ``LOGIN_RATE_LIMIT`` and per account
with the lockout of :func:`portal.auth.services.sign_in`.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.auth import services, visible_staff_links
from portal.auth.decorators import role_required
from portal.auth.forms import LoginForm, PasswordChangeForm, PostForm, TokenForm
from portal.extensions import limiter
from portal.web import is_safe_redirect

bp = Blueprint("auth", __name__)


def _target(next_url: str | None) -> str:
    return next_url if is_safe_redirect(next_url) else url_for("auth.dashboard")


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect(_target(form.next.data))
    error = None
    if form.validate_on_submit():
        try:
            user = services.sign_in(form.email.data, form.password.data)
        except services.AccountLocked as locked:
            return _no_store(render_template("auth/login.html", form=form, error=str(locked))), 429
        if user is not None:
            login_user(user)
            flash(_("Signed in as %(email)s.", email=user.email), "success")
            return redirect(_target(form.next.data))
        # One message for every failure: it must not tell which addresses exist.
        error = _("The e-mail address or password is not right, or the account is not active.")
    return _no_store(render_template("auth/login.html", form=form, error=error))


@bp.post("/logout")
def logout():
    form = PostForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("core.index"))


@bp.get("/")
@role_required()
def dashboard():
    links = [link for link in visible_staff_links(current_user) if link["endpoint"] != "auth.dashboard"]
    return render_template("auth/dashboard.html", links=links)


@bp.route("/tokens", methods=["GET", "POST"])
@role_required()
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = services.create_api_token(current_user, form.name.data)
        except services.AuthError as err:
            form.name.errors.append(str(err))
        else:
            form = TokenForm(formdata=None)
    return _no_store(render_template(
        "auth/tokens.html", form=form, new_token=new_token,
        tokens=services.list_api_tokens(current_user)))


@bp.post("/tokens/<int:token_id>/revoke")
@role_required()
def revoke_token(token_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    token = services.revoke_api_token(current_user, token_id)
    if token is None:
        abort(404)
    flash(_("The token “%(name)s” is revoked; programs using it are refused from now on.", name=token.name), "success")
    return redirect(url_for("auth.tokens"))


@bp.route("/password", methods=["GET", "POST"])
@role_required()
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not services.verify_password(current_user, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
            return _no_store(render_template("auth/password.html", form=form))
        user = current_user._get_current_object()
        try:
            services.set_password(user, form.new_password.data)
        except services.AuthError as err:
            form.new_password.errors.append(str(err))
        else:
            # The new password ends every other session; keep this one.
            login_user(user)
            flash(_("Your password is changed. Other sessions are signed out."), "success")
            return redirect(url_for("auth.dashboard"))
    return _no_store(render_template("auth/password.html", form=form))
