from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from clinic.access import actor_for, can_manage_clinic, can_view_clinical_data


def navigation(request: HttpRequest) -> dict:
    """The navigation of the current role, so every page's header matches who is looking."""
    actor = actor_for(request)
    items: list[tuple[str, str]] = []
    # Pages a role opens less often sit behind a "More" disclosure, so that the header stays one
    # row on a laptop even for a clinic admin, who has the most entries.
    more: list[tuple[str, str]] = []
    context = {"actor": actor, "nav_items": items, "nav_more": more, "clinic": actor.clinic}
    if actor.is_staff_member and getattr(request, "two_factor_pending", False):
        # Half-way through two-factor sign-in: every link would lead back to the code page.
        return context
    if actor.is_staff_member:
        if can_view_clinical_data(actor):
            items.append((_("Dashboard"), reverse("dashboard")))
            items.append((_("Outcomes"), reverse("clinic-outcomes")))
        items.append((_("Patients"), reverse("patient-list")))
        items.append((_("Schedule"), reverse("schedule")))
        items.append((pgettext("menu: who is due a re-test or report", "Due"), reverse("due-list")))
        items.append((_("Exercises"), reverse("exercise-library")))
        # A clinic admin's questionnaires are its settings (which to ask, when, the MCID), from
        # where a licensed one is added; a therapist's, the list with each one's terms. The
        # front desk asks for none.
        if can_manage_clinic(actor):
            more.append((_("Questionnaires"), reverse("questionnaire-settings")))
        elif can_view_clinical_data(actor):
            more.append((_("Questionnaires"), reverse("instrument-list")))
        if can_manage_clinic(actor):
            more.append((_("Audit trail"), reverse("audit-events")))
        more.append(("API", reverse("api:docs")))
        if can_manage_clinic(actor) and actor.user.is_staff:
            more.append((_("Django admin"), reverse("admin:index")))
    elif actor.is_patient:
        items.append((_("My page"), reverse("patient-home")))
        items.append((_("Today's routine"), reverse("patient-routine-page")))
    return context
