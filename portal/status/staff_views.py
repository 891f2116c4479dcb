"""The operators' status pages (``/staff/status``): open an incident, post
updates in seconds, resolve, write the postmortem, schedule maintenance, manage
components. Role ``operator`` (or ``admin``). Thin: every write is a service call.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from portal.auth.decorators import role_required
from portal.forms import BackForm
from portal.web import is_safe_redirect
from portal import db
from portal.status import incident_templates, queries, reminders, services
from portal.status.models import IncidentTemplate
from portal.status.display import status_label
from portal.status.forms import (
    ComponentForm, ComponentsPageForm, ComponentStatusForm, GroupForm, IncidentForm, MaintenanceForm,
    MaintenanceUpdateForm, PostmortemForm, RescheduleForm, TemplateForm, UpdateForm, component_choices,
    translations_from,
)
from portal.status.services import StatusError
from portal.status.clock import configured_timezone
from wtforms.fields.choices import SelectChoice

staff_bp = Blueprint("status_staff", __name__)


@staff_bp.before_request
@role_required("operator")
def _operators_only():
    return None


def _components():
    return queries.all_components()


@staff_bp.get("/")
def index():
    return render_template("status/staff/index.html", active=queries.active_incidents(),
                           upcoming=queries.upcoming_maintenance(),
                           recent=queries.recent_incidents(limit=20), components=_components(),
                           notices=reminders.operator_notices(),
                           status_form=ComponentStatusForm())


@staff_bp.route("/incidents/new", methods=["GET", "POST"])
def new_incident():
    form = IncidentForm()
    components = _components()
    template = db.session.get(IncidentTemplate, request.args.get("template", type=int) or 0)
    prefill: dict = dict(request.form)
    if not form.is_submitted():
        form.language.data = str(get_locale())
        if template is not None:  # "new incident from template": the operator reviews, then opens
            form.name.data, form.impact.data, form.status.data = template.title, template.impact, template.status
            form.message.data, form.language.data = template.body, template.language
            prefill = incident_templates.form_values(template)
    failed = False
    if form.validate_on_submit():
        try:
            incident = services.create_incident(
                form.name.data, impact=form.impact.data, components=component_choices(request.form, components),
                body=form.message.data or "", status=form.status.data, notify=form.notify.data, by=current_user,
                language=form.language.data, names=translations_from(request.form, "name"),
                bodies=translations_from(request.form, "message"))
        except StatusError as exc:
            flash(str(exc), "error")
            failed = True
        else:
            flash(_("Incident opened."), "success")
            return redirect(url_for(".incident", public_id=incident.public_id))
    chosen = {str(c.id): s for c, s in component_choices(request.form, components).items()}
    if template is not None and not form.is_submitted():
        chosen = {str(c.id): template.component_statuses[c.code] for c in components
                  if c.code in (template.component_statuses or {})}
    return render_template("status/staff/incident_new.html", form=form, components=components, chosen=chosen,
                           prefill=prefill, templates=incident_templates.all_templates()), \
        400 if form.errors or failed else 200


@staff_bp.get("/templates")
def templates():
    return render_template("status/staff/templates.html", templates=incident_templates.all_templates())


@staff_bp.route("/templates/new", methods=["GET", "POST"], defaults={"template_id": None})
@staff_bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
def edit_template(template_id: int | None):
    template = None
    if template_id is not None:
        template = db.session.get(IncidentTemplate, template_id) or abort(404)
    form = TemplateForm(obj=None)
    components = _components()
    failed = False
    if not form.is_submitted():
        form.language.data = template.language if template else str(get_locale())
        if template is not None:
            form.label.data, form.name.data, form.impact.data = template.label, template.title, template.impact
            form.status.data, form.message.data = template.status, template.body
    if form.validate_on_submit():
        by_id = {c.id: c.code for c in components}
        try:
            incident_templates.save_template(
                template, label=form.label.data, title=form.name.data, impact=form.impact.data,
                status=form.status.data, body=form.message.data or "", language=form.language.data,
                components={by_id[c.id]: s for c, s in component_choices(request.form, components).items()},
                names=translations_from(request.form, "name"), bodies=translations_from(request.form, "message"))
        except StatusError as exc:
            flash(str(exc), "error")
            failed = True
        else:
            flash(_("Template saved."), "success")
            return redirect(url_for(".templates"))
    if form.is_submitted():
        chosen = {str(c.id): s for c, s in component_choices(request.form, components).items()}
        prefill = dict(request.form)
    else:
        statuses = template.component_statuses if template else {}
        chosen = {str(c.id): statuses[c.code] for c in components if c.code in statuses}
        prefill = incident_templates.form_values(template) if template else {}
    return render_template("status/staff/template_form.html", form=form, template=template, components=components,
                           chosen=chosen, prefill=prefill), 400 if form.errors or failed else 200


@staff_bp.post("/templates/<int:template_id>/delete")
def delete_template(template_id: int):
    template = db.session.get(IncidentTemplate, template_id) or abort(404)
    incident_templates.delete_template(template)
    flash(_("Template deleted."), "success")
    return redirect(url_for(".templates"))


def _incident_or_404(public_id: str):
    incident = queries.incident_by_public_id(public_id)
    if incident is None:
        abort(404)
    return incident


def _local(moment):
    return moment.astimezone(configured_timezone()).replace(tzinfo=None) if moment else None


@staff_bp.get("/incidents/<public_id>")
def incident(public_id: str):
    found = _incident_or_404(public_id)
    form_class = MaintenanceUpdateForm if found.is_maintenance else UpdateForm
    return render_template("status/staff/incident.html", incident=found, components=_components(),
                           form=form_class(status=found.status), reschedule_form=RescheduleForm(
                               scheduled_for=_local(found.scheduled_for), scheduled_until=_local(found.scheduled_until)),
                           postmortem_form=PostmortemForm(
                               body=found.postmortem_body or ""),
                           chosen={str(k): v for k, v in (found.component_statuses or {}).items()})


@staff_bp.post("/incidents/<public_id>/updates")
def post_update(public_id: str):
    found = _incident_or_404(public_id)
    form = (MaintenanceUpdateForm if found.is_maintenance else UpdateForm)()
    if not form.validate_on_submit():
        flash(_("Please check the update: %(errors)s", errors="; ".join(
            f"{form[k].label.text}: {' '.join(v)}" for k, v in form.errors.items())), "error")
        return redirect(url_for(".incident", public_id=public_id))
    try:
        services.post_update(found, form.status.data, form.message.data or "",
                             component_choices(request.form, _components()), notify=form.notify.data,
                             by=current_user, bodies=translations_from(request.form, "message"))
    except StatusError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Update posted."), "success")
    return redirect(url_for(".incident", public_id=public_id))


@staff_bp.post("/incidents/<public_id>/resolve")
def resolve(public_id: str):
    found = _incident_or_404(public_id)
    form = UpdateForm()
    try:
        services.resolve(found, form.message.data or "", notify=form.notify.data, by=current_user)
    except StatusError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Resolved: the components are back to operational."), "success")
    return redirect(url_for(".incident", public_id=public_id))


@staff_bp.post("/incidents/<public_id>/postmortem")
def postmortem(public_id: str):
    found = _incident_or_404(public_id)
    form = PostmortemForm()
    if form.validate_on_submit():
        try:
            services.add_postmortem(found, form.body.data, by=current_user)
        except StatusError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Postmortem published."), "success")
    else:
        flash(_("The postmortem is empty."), "error")
    return redirect(url_for(".incident", public_id=public_id))


@staff_bp.route("/maintenance/new", methods=["GET", "POST"])
def new_maintenance():
    form = MaintenanceForm()
    components = _components()
    failed = False
    if form.validate_on_submit():
        tz = configured_timezone()
        chosen = [c for c in components if request.form.get(f"component-{c.public_id}")]
        try:
            maintenance = services.schedule_maintenance(
                form.name.data, form.scheduled_for.data.replace(tzinfo=tz),
                form.scheduled_until.data.replace(tzinfo=tz), chosen, body=form.message.data or "",
                auto_start=form.auto_start.data, auto_complete=form.auto_complete.data,
                notify=form.notify.data, by=current_user, remind_subscribers=form.remind_subscribers.data,
                remind_hours=form.remind_hours.data, mute_notifications=form.mute_notifications.data)
        except StatusError as exc:
            flash(str(exc), "error")
            failed = True
        else:
            flash(_("Maintenance scheduled."), "success")
            return redirect(url_for(".incident", public_id=maintenance.public_id))
    return render_template("status/staff/maintenance_new.html", form=form, components=components), \
        400 if form.errors or failed else 200


@staff_bp.post("/incidents/<public_id>/reschedule")
def reschedule(public_id: str):
    """New dates for a maintenance that has not started (its subscribers are told)."""
    found = _incident_or_404(public_id)
    form = RescheduleForm()
    if not form.validate_on_submit():
        flash(_("Please give the new start and end."), "error")
        return redirect(url_for(".incident", public_id=public_id))
    tz = configured_timezone()
    try:
        services.reschedule_maintenance(found, form.scheduled_for.data.replace(tzinfo=tz),
                                        form.scheduled_until.data.replace(tzinfo=tz), notify=form.notify.data,
                                        by=current_user)
    except StatusError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Maintenance moved."), "success")
    return redirect(url_for(".incident", public_id=public_id))


@staff_bp.route("/components", methods=["GET", "POST"])
def components():
    groups, _loose = queries.component_tree()
    form = ComponentForm(prefix="component")
    form.group.choices = [SelectChoice("", _("No group"))] + [SelectChoice(g.public_id, g.name) for g in groups]
    group_form = GroupForm(prefix="group")
    if request.method == "POST" and ComponentsPageForm().kind.data == "group":
        if group_form.validate_on_submit():
            try:
                services.create_group(group_form.name.data, group_form.position.data)
            except StatusError as exc:
                flash(str(exc), "error")
            else:
                flash(_("Group added."), "success")
                return redirect(url_for(".components"))
    elif request.method == "POST" and form.validate_on_submit():
        group = next((g for g in groups if g.public_id == form.group.data), None)
        try:
            component = services.create_component(
                form.name.data, form.code.data or None, group=group, description=form.description.data or None,
                position=form.position.data, showcase=form.showcase.data)
            names, descriptions = translations_from(request.form, "name"), translations_from(request.form, "message")
            if names or descriptions:
                services.update_component(component, name_translations=names, description_translations=descriptions)
        except StatusError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Component added."), "success")
            return redirect(url_for(".components"))
    return render_template("status/staff/components.html", form=form, group_form=group_form, groups=groups,
                           components=_components(), status_form=ComponentStatusForm())


@staff_bp.post("/components/<public_id>/status")
def component_status(public_id: str):
    component = services.find_component(public_id)
    if component is None:
        abort(404)
    form = ComponentStatusForm()
    if form.validate_on_submit():
        services.set_component_status(component, form.status.data)
        flash(_("%(name)s is now: %(status)s.", name=component.name, status=status_label(form.status.data)), "success")
    target = BackForm().next.data or ""
    return redirect(target if is_safe_redirect(target) and target.startswith("/staff/") else url_for(".components"))
