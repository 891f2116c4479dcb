"""Rules written once: e-mail addresses, language codes and configuration.

Each rule has one home (``portal.emails``, ``portal.i18n``, ``portal.config``);
these tests pin the behaviour every caller now shares.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from portal import config, create_app
from portal.emails import InvalidEmail, is_email, normalize_email, validate_email
from portal.i18n import normalize_locale, supported_locale

README = Path(__file__).resolve().parent.parent / "README.md"


# -- e-mail addresses ---------------------------------------------------------------

@pytest.mark.parametrize(("typed", "canonical"), [
    ("jo@example.com", "jo@example.com"),
    ("  Jo.Doe@Example.COM \n", "jo.doe@example.com"),  # white space and case
    ("x@bücher.de", "x@bücher.de"),  # an IDN domain stays readable
    ("x@xn--bcher-kva.de", "x@bücher.de"),  # and its ASCII spelling is the same address
    ("X@BÜCHER.DE", "x@bücher.de"),
    ("first+tag@shop.example", "first+tag@shop.example"),
    ("admin@Staff.Test", "admin@staff.test"),  # RFC 2606 test names (tests, examples)
])
def test_valid_addresses_have_one_spelling(typed, canonical):
    assert validate_email(typed) == canonical
    assert normalize_email(typed) == canonical
    assert is_email(typed)


@pytest.mark.parametrize("typed", [
    "", "   ", None, 42, "jo", "jo@", "@example.com", "jo@example", "jo@localhost", "a b@example.com",
    "jo@example..com", "jo@example.com.", "Jo <jo@example.com>", "jo@-example.com",
    "x" * 250 + "@example.com",
])
def test_invalid_addresses_are_refused(typed):
    with pytest.raises(InvalidEmail):
        validate_email(typed)
    assert not is_email(typed)


def test_a_look_up_never_raises_and_still_folds_case():
    assert normalize_email("  Not An Address ") == "not an address"
    assert normalize_email(None) == ""


def test_one_email_rule_in_the_code():
    """No hand-written e-mail pattern outside portal/emails.py (portal/notify moves
    separately; tickets/pii.py *finds* addresses in free text, it does not validate)."""
    root = Path(__file__).resolve().parent.parent / "portal"
    pattern = re.compile(r"re\.compile\(r?[\"'][^\"']*@")
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if "notify" not in path.parts and path.name != "pii.py" and pattern.search(path.read_text())]
    assert offenders == []


# -- language codes -------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("nl", "nl"), ("NL", "nl"), (" nl ", "nl"), ("nl-NL", "nl"), ("nl_NL", "nl"), ("nl-Latn-NL", "nl"),
    ("de-AT", "de"), ("sv_SE.UTF-8", "sv"), ("pl", "pl"), ("en-GB", "en"),
    ("fr", None), ("dutch", None), ("nlx", None), ("", None), (None, None), (3, None), (["nl"], None),
])
def test_supported_locale(value, expected):
    assert supported_locale(value) == expected


def test_normalize_locale_falls_back_to_the_configured_default():
    app = Flask(__name__)
    app.config["DEFAULT_LOCALE"] = "de"
    with app.app_context():
        assert normalize_locale("nl_NL") == "nl"
        assert normalize_locale("fr-FR") == "de"
        assert normalize_locale(None) == "de"


# -- configuration: README's table is the contract --------------------------------------

def _readme_configuration_rows() -> list[str]:
    section = README.read_text().split("<!-- section:configuration -->", 1)[1].split("###", 1)[0]
    return re.findall(r"^\| `([A-Z_<>]+)` \|", section, flags=re.MULTILINE)


def _portal_names(value_type):
    """Settings whose built-in default has ``value_type`` (bool before int: bool is an int)."""
    built_in = config.defaults(Path("instance"))
    if value_type is int:
        return [k for k, v in built_in.items() if isinstance(v, int) and not isinstance(v, bool)]
    return [k for k, v in built_in.items() if isinstance(v, value_type)]


#: Per README row: environment to set, and what the app's config must then hold.
ROW_CASES = {
    "PORTAL_DATA_DIR": lambda tmp: ({"PORTAL_DATA_DIR": str(tmp / "data")},
                                    {"DATA_DIR": str((tmp / "data").resolve()),
                                     "UPLOAD_DIR": str((tmp / "data").resolve() / "uploads")}),
    "DATABASE_URL": lambda tmp: ({"DATABASE_URL": f"sqlite:///{tmp}/other.db"},
                                 {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/other.db"}),
    "SECRET_KEY": lambda tmp: ({"SECRET_KEY": "s3cret-from-the-environment"},
                               {"SECRET_KEY": "s3cret-from-the-environment"}),
    "PORTAL_SITE_URL": lambda tmp: ({"PORTAL_SITE_URL": "https://help.example.com/"},
                                    {"SITE_URL": "https://help.example.com", "SITE_URL_CONFIGURED": True}),
    "PORTAL_UPLOAD_DIR": lambda tmp: ({"PORTAL_UPLOAD_DIR": str(tmp / "shared-uploads")},
                                      {"UPLOAD_DIR": str(tmp / "shared-uploads")}),
    # any other setting, one of every type the defaults use
    "PORTAL_<NAME>": lambda tmp: ({"PORTAL_SITE_NAME": "Acme Help", "PORTAL_MAIL_PORT": "2525",
                                   "PORTAL_SESSION_COOKIE_SECURE": "true", "PORTAL_SEARCH_LEARNING_MAX_BOOST": "2.5",
                                   "PORTAL_EMBED_HOSTS": '["media.example.org"]', "PORTAL_MAIL_USERNAME": "mailer",
                                   "PORTAL_PROXY_COUNT": "1"},
                                  {"SITE_NAME": "Acme Help", "MAIL_PORT": 2525, "SESSION_COOKIE_SECURE": True,
                                   "SEARCH_LEARNING_MAX_BOOST": 2.5, "EMBED_HOSTS": ["media.example.org"],
                                   "MAIL_USERNAME": "mailer", "PROXY_COUNT": 1}),
}


def test_every_readme_configuration_row_has_a_case():
    assert sorted(_readme_configuration_rows()) == sorted(ROW_CASES)


@pytest.mark.parametrize("row", sorted(ROW_CASES))
def test_readme_configuration_row_is_read_from_the_environment(row, tmp_path, monkeypatch):
    for name in ("PORTAL_DATA_DIR", "DATABASE_URL", "SECRET_KEY", "PORTAL_SITE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    environ, expected = ROW_CASES[row](tmp_path)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # the default data folder ./instance lands here
    app = create_app({"TESTING": True})
    for key, value in expected.items():
        assert app.config[key] == value, key
        assert type(app.config[key]) is type(value), key


@pytest.mark.parametrize(("value_type", "raw", "parsed"), [
    (bool, "false", False), (int, "7", 7), (float, "0.5", 0.5), (list, '["a", "b"]', ["a", "b"]),
])
def test_every_setting_of_a_type_is_parsed_to_that_type(value_type, raw, parsed, monkeypatch):
    names = _portal_names(value_type)
    assert names
    for name in names:
        monkeypatch.setenv(f"PORTAL_{name}", raw)
    found = config.from_environment()
    assert {name: found[name] for name in names} == {name: parsed for name in names}


def test_documented_portal_variables_are_settings():
    """Every ``PORTAL_X`` the README names is a setting with a default (or the data folder)."""
    named = set(re.findall(r"PORTAL_([A-Z][A-Z_]*[A-Z])", README.read_text()))
    unknown = named - set(config.defaults(Path("instance"))) - {"DATA_DIR"}
    assert unknown == set()


def test_no_code_restates_a_default():
    """``config.get("X", default)`` / ``config.get("X") or default`` for a setting that
    ``config.defaults()`` has: the default lives there only (portal/notify moves separately)."""
    root = Path(__file__).resolve().parent.parent / "portal"
    built_in = set(config.defaults(Path("instance")))
    pattern = re.compile(r"config\.get\(\s*[\"']([A-Z_]+)[\"']\s*(?:,|\)\s*or\b)")
    offenders = [f"{path.relative_to(root)}: {name}" for path in root.rglob("*.py") if "notify" not in path.parts
                 for name in pattern.findall(path.read_text()) if name in built_in]
    assert offenders == []
