"""tickets.yaml: the shipped default loads; mistakes are reported with their path."""
from __future__ import annotations

import copy
import os

import pytest
import yaml

from portal.tickets import config as tickets_config
from portal.tickets.config import ConfigError, parse_config

DEFAULT = yaml.safe_load(tickets_config.DEFAULT_PATH.read_text(encoding="utf-8"))


def variant(**changes) -> dict:
    raw = copy.deepcopy(DEFAULT)
    raw.update(changes)
    return raw


def problems_of(raw) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, "test.yaml")
    return info.value.problems


def test_the_shipped_configuration_has_the_forms_the_issue_asks_for():
    cfg = parse_config(DEFAULT)
    assert {"technical", "billing", "license", "suggestion", "question", "enquiry"} <= set(cfg.forms)
    technical = cfg.form("technical")
    names = [f.name for f in technical.fields]
    for wanted in ("email", "subject", "product", "version", "site_url", "error_message", "steps", "screenshot"):
        assert wanted in names
    assert technical.ask_urgency and technical.field("screenshot").type == "file"
    assert cfg.form("billing").field("invoice_number") is not None
    assert cfg.form("license").field("license_number").required
    assert cfg.target_for(True).amount == 2 and cfg.target_for(True).unit == "hours"
    assert cfg.schedule.timezone.key == "Europe/Amsterdam" and cfg.schedule.country == "NL"


def test_labels_fall_back_to_english():
    cfg = parse_config(DEFAULT)
    field = cfg.form("technical").field("product")
    assert field.label.get("nl") == "Product"
    assert field.option_label("shop", "nl") == "Webwinkel"
    raw = copy.deepcopy(DEFAULT)
    version = next(f for f in raw["forms"][0]["fields"] if f["name"] == "version")
    version["label"] = {"en": "Release you run", "nl": "Uw versie"}
    label = parse_config(raw).form(raw["forms"][0]["slug"]).field("version").label
    assert label.get("sv") == "Release you run" and label.get("nl") == "Uw versie"


def test_every_problem_is_reported_with_its_path():
    raw = variant(support={"email": "not an address"})
    raw["forms"][0]["fields"][0]["type"] = "date"
    raw["forms"][1]["slug"] = "Bad Slug"
    raw["business_hours"]["days"]["mon"] = "9-17"
    raw["holidays"]["dates"].append("25 December")
    raw["response_targets"]["urgent"] = {"minutes": 30}
    problems = problems_of(raw)
    joined = "\n".join(problems)
    assert "support.email: must be an e-mail address" in joined
    assert "forms[0].fields[0].type: 'date' is not one of text, textarea, email, url, select, file, checkbox" in joined
    assert "forms[1].slug:" in joined
    assert "business_hours.days.mon: '9-17' is not like" in joined
    assert "holidays.dates[2]: '25 December' is not a date" in joined
    assert "response_targets.urgent: must be {hours: N} or {days: N}" in joined


@pytest.mark.parametrize("mutate, expected", [
    (lambda r: r["forms"][0]["fields"].append({"name": "x", "type": "select", "label": "X"}),
     "forms[0].fields[7].options: a select needs a list of options"),
    (lambda r: r["forms"][0]["fields"].append({"name": "subject", "type": "text", "label": "S"}),
     "forms[0].fields: field 'subject' appears twice"),
    (lambda r: r["forms"][0]["fields"].append({"name": "urgency", "type": "text", "label": "U"}),
     "forms[0].fields[7].name: 'urgency' is used by the form itself"),
    (lambda r: r["forms"][0]["fields"].append({"name": "y", "type": "text", "label": {"nl": "Alleen NL"}}),
     "forms[0].fields[7].label: needs an 'en' text"),
    (lambda r: r["forms"][0]["fields"].append({"name": "z", "type": "text", "label": {"en": "Z", "fr": "Z"}}),
     "forms[0].fields[7].label: unknown language fr"),
    (lambda r: r.__setitem__("common_fields", [f for f in r["common_fields"] if f["name"] != "email"]),
     "needs a required field 'email' of type email"),
    (lambda r: r["business_hours"].__setitem__("timezone", "Mars/Olympus"),
     "business_hours.timezone: unknown time zone 'Mars/Olympus'"),
    (lambda r: r["business_hours"]["days"].__setitem__("tue", "17:00-09:00"),
     "business_hours.days.tue: '17:00-09:00' closes before it opens"),
    (lambda r: r["holidays"].__setitem__("country", "XX"),
     "holidays.country: no public holidays known for 'XX'"),
    (lambda r: r.__setitem__("webhook", {"url": "ftp://x"}), "webhook.url: must start with http"),
    (lambda r: r["forms"][0].__setitem__("group", "nobody"), "forms[0].group: 'nobody' is not one of the groups"),
    (lambda r: r.__setitem__("forms", []), "forms: needs a list of at least one form"),
])
def test_specific_mistakes(mutate, expected):
    raw = copy.deepcopy(DEFAULT)
    mutate(raw)
    assert any(expected in problem for problem in problems_of(raw)), problems_of(raw)


def test_broken_yaml_is_a_clear_error(tmp_path):
    path = tmp_path / "tickets.yaml"
    path.write_text("forms: [\n  - {en: What?, nl: Wat?}\n")
    with pytest.raises(ConfigError) as info:
        tickets_config.load_config(path)
    assert str(path) in str(info.value) and "not valid YAML" in str(info.value)


def test_data_dir_file_overrides_the_default_and_is_reloaded_on_change(make_app):
    app = make_app()
    assert tickets_config.get_config(app).source == str(tickets_config.DEFAULT_PATH)
    raw = variant(support={"email": "help@shop.example", "phone": "+31 30 000 0000"})
    path = os.path.join(app.config["DATA_DIR"], "tickets.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(raw, fh, allow_unicode=True)
    assert tickets_config.get_config(app).support_email == "help@shop.example"
    raw["support"]["email"] = "other@shop.example"
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(raw, fh, allow_unicode=True)
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))  # a different mtime even within one clock tick
    assert tickets_config.get_config(app).support_email == "other@shop.example"


def test_tickets_config_setting_names_the_file(make_app, tmp_path):
    path = tmp_path / "elsewhere.yaml"
    path.write_text(yaml.safe_dump(variant(support={"email": "x@y.example"})), encoding="utf-8")
    app = make_app(TICKETS_CONFIG=str(path))
    assert tickets_config.get_config(app).support_email == "x@y.example"


def test_cli_check_reports_problems_and_summarises(runner, tmp_path):
    result = runner.invoke(args=["tickets", "check"])
    assert result.exit_code == 0 and "OK" in result.output and "technical" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(variant(support={"email": "nope"})), encoding="utf-8")
    result = runner.invoke(args=["tickets", "check", str(bad)])
    assert result.exit_code == 1 and "support.email: must be an e-mail address" in result.output


def test_cli_expect_shows_the_promise(runner):
    result = runner.invoke(args=["tickets", "expect", "--at", "2026-11-20T21:00", "--urgent"])
    assert result.exit_code == 0, result.output
    assert "closed; we answer within 2 business hours: Monday before 11:00 (Europe/Amsterdam)" in result.output


def test_a_broken_file_makes_the_form_unavailable_not_a_traceback(make_app, tmp_path, caplog):
    path = tmp_path / "tickets.yaml"
    path.write_text("support: {email: nope}\n", encoding="utf-8")
    app = make_app(TICKETS_CONFIG=str(path))
    assert "support.email" in caplog.text  # logged when the app starts
    response = app.test_client().get("/en/contact/")
    assert response.status_code == 503 and "temporarily unavailable" in response.get_data(as_text=True)


def test_the_readme_example_is_a_valid_configuration():
    readme = (tickets_config.DEFAULT_PATH.parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section:tickets -->", 1)[1].split("<!-- /section:tickets -->", 1)[0]
    example = section.split("```yaml", 1)[1].split("```", 1)[0]
    cfg = parse_config(yaml.safe_load(example), "README.md")
    assert list(cfg.forms) == ["billing"] and cfg.form("billing").field("customer_number").required
    assert len(cfg.schedule.weekly[4]) == 2  # Friday has a lunch break


def test_cli_check_warns_when_the_files_do_not_fit_in_a_request(make_app, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(variant(uploads={"max_files": 5, "max_file_mb": 5})), encoding="utf-8")
    app = make_app(MAX_CONTENT_LENGTH=12 * 1024 * 1024)
    result = app.test_cli_runner().invoke(args=["tickets", "check", str(path)])
    assert result.exit_code == 0 and "do not fit in one request" in result.output


def test_every_shipped_text_is_in_every_supported_language():
    from portal.config import SUPPORTED_LOCALES

    def texts(node, path):
        if isinstance(node, dict):
            if "en" in node:
                yield path, node
                return
            for key, value in node.items():
                yield from texts(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from texts(value, f"{path}[{index}]")

    found = list(texts(DEFAULT, ""))
    assert len(found) > 40  # the walk really reaches labels, help texts and options
    missing = [
        f"{path}: {locale}"
        for path, text in found
        for locale in SUPPORTED_LOCALES
        if not isinstance(text.get(locale), str) or not text[locale].strip()
    ]
    assert not missing, missing
