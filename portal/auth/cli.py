"""``portal user …``: manage staff accounts and API tokens from the shell.

Thin wrappers over :mod:`portal.auth.services`. Passwords come from a prompt
(asked twice) on a terminal, from one line of standard input with
``--password-stdin``, or — neither being possible — are generated and printed
once. Bad input ends with a clear message and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from portal.auth import services
from portal.auth.models import ROLES, User


@click.group("user")
def user_group() -> None:
    """Manage staff accounts (roles: admin, writer, operator)."""


def _check_password(value: str) -> str:
    try:
        services.validate_password(value)
    except services.AuthError as err:
        raise click.UsageError(str(err)) from err
    return value


def _obtain_password(password_stdin: bool) -> tuple[str, bool]:
    """The new password and whether it was generated (and must be shown)."""
    stdin = sys.stdin
    if password_stdin:
        return stdin.readline().rstrip("\r\n"), False
    if stdin.isatty():
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Repeat the password"),
                                value_proc=_check_password)
        return password, False
    return services.generate_password(), True


def _find_user(email: str) -> User:
    user = services.get_user_by_email(email)
    if user is None:
        raise click.ClickException(_("There is no staff account for %(email)s.", email=services.normalize_email(email)))
    return user


password_stdin_option = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from the first line of standard input (for scripts).")


@user_group.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may do; admin may do everything.")
@click.option("--name", default=None, help="Display name.")
@password_stdin_option
@with_appcontext
def add_command(email: str, role: str, name: str | None, password_stdin: bool) -> None:
    """Create a staff account for EMAIL."""
    if services.get_user_by_email(email) is not None:  # before asking for a password
        raise click.ClickException(_("A staff account for %(email)s already exists.", email=services.normalize_email(email)))
    password, generated = _obtain_password(password_stdin)
    try:
        user = services.create_user(email, role, password=password, name=name)
    except services.AuthError as err:
        raise click.ClickException(str(err)) from err
    click.echo(_("Created %(role)s account %(email)s.", role=user.role, email=user.email))
    if generated:
        click.echo(_("Generated password (shown only this once): %(password)s", password=password))


@user_group.command("list")
@with_appcontext
def list_command() -> None:
    """List staff accounts."""
    users = services.list_users()
    if not users:
        click.echo(_("No staff accounts yet. Create one with: portal user add EMAIL --role admin"))
        return
    rows = [(_("E-MAIL"), _("ROLE"), _("STATUS"), _("LAST SIGN-IN"), _("NAME"))]
    for user in users:
        rows.append((
            user.email,
            user.role,
            _("active") if user.active else _("inactive"),
            user.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_login_at else _("never"),
            user.name or "",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])


@user_group.command("set-password")
@click.argument("email")
@password_stdin_option
@with_appcontext
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set a new password for EMAIL (their other sessions end)."""
    user = _find_user(email)
    password, generated = _obtain_password(password_stdin)
    try:
        services.set_password(user, password)
    except services.AuthError as err:
        raise click.ClickException(str(err)) from err
    click.echo(_("Password of %(email)s changed.", email=user.email))
    if generated:
        click.echo(_("Generated password (shown only this once): %(password)s", password=password))


@user_group.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate_command(email: str) -> None:
    """Lock EMAIL out: no sign-in, sessions end, API tokens stop working."""
    user = _find_user(email)
    services.set_active(user, False)
    click.echo(_("Deactivated %(email)s.", email=user.email))


@user_group.command("activate")
@click.argument("email")
@with_appcontext
def activate_command(email: str) -> None:
    """Let a deactivated EMAIL sign in again."""
    user = _find_user(email)
    services.set_active(user, True)
    click.echo(_("Activated %(email)s.", email=user.email))


@user_group.command("unlock")
@click.argument("email")
@with_appcontext
def unlock_command(email: str) -> None:
    """End EMAIL's lockout after too many failed sign-ins (and forget the failures)."""
    services.unlock(email)
    click.echo(_("Unlocked %(email)s: sign-in attempts are counted from zero again.",
                 email=services.normalize_email(email)))


@user_group.command("token")
@click.argument("email")
@click.option("--name", required=True, help="Where the token will be used, e.g. \"monitoring\".")
@with_appcontext
def token_command(email: str, name: str) -> None:
    """Create an API token for EMAIL and print it (only this once)."""
    user = _find_user(email)
    if not user.active:
        raise click.ClickException(_("%(email)s is deactivated; activate the account first.", email=user.email))
    try:
        token = services.create_api_token(user, name)
    except services.AuthError as err:
        raise click.ClickException(str(err)) from err
    click.echo(_("API token for %(email)s (shown only this once; store it safely):", email=user.email), err=True)
    click.echo(token)
