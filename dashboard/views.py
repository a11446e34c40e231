from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from audit.services import note_listed
from clinic import selectors
from clinic.access import actor_for, can_view_clinical_data, patients_visible_to
from clinic.decorators import staff_required
from clinic.models import Role
from clinic.paging import CountedPaginator
from dashboard.counts import improved_counts, listed_count, summary_counts
from dashboard.forms import OutcomesFilterForm
from dashboard.outcomes import (
    CLASS_LABELS,
    CLASSES,
    MIN_TESTS,
    MIN_VALID_ANSWERS,
    SHARE_FROM,
    VERSUS,
    clinic_outcomes,
    cross_table,
    in_cell,
    outcome_rows,
)
from dashboard.summaries import FLAG_LABELS, SORTS, dashboard_rows

ROWS_PER_PAGE = 25
# The words the sort menu shows for dashboard.summaries.SORTS, whose keys go in the address.
SORT_LABELS = {
    "urgency": pgettext_lazy("dashboard sort", "urgency"),
    "name": pgettext_lazy("dashboard sort", "name"),
    "adherence": pgettext_lazy("dashboard sort", "adherence"),
    "tested": pgettext_lazy("dashboard sort", "tested"),
}


@staff_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Who needs attention: the caseload sorted by urgency, filtered and searched in place."""
    actor = actor_for(request)
    if not can_view_clinical_data(actor):
        raise PermissionDenied(_("The dashboard shows clinical data."))
    clinic = actor.clinic
    if actor.role == Role.CLINIC_ADMIN:
        therapist = request.GET.get("therapist", "")
        therapist_id = int(therapist) if therapist.isdigit() else None
    else:
        therapist_id = actor.user.pk  # a therapist's own caseload
    flag = request.GET.get("flag", "")
    sort = request.GET.get("sort", "urgency")
    search = request.GET.get("q", "")
    rows = dashboard_rows(
        clinic=clinic,
        therapist_id=therapist_id,
        flag=int(flag) if flag.isdigit() else None,
        search=search,
        sort=sort,
    )
    counts = summary_counts(clinic=clinic, therapist_id=therapist_id)
    count = listed_count(counts, flag=int(flag) if flag.isdigit() else None, search=search)
    paginator = (
        Paginator(rows, ROWS_PER_PAGE)
        if count is None
        else CountedPaginator(rows, ROWS_PER_PAGE, count=count)
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    note_listed("dashboard", [row.patient_id for row in page.object_list])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "flag": flag,
        "sort": sort,
        "search": search,
        "therapist_id": therapist_id,
        "flags": [(int(f), label) for f, label in FLAG_LABELS.items()],
        "flag_labels": FLAG_LABELS,
        "sorts": [(key, SORT_LABELS.get(key, key)) for key in SORTS],
        "query_without_page": query.urlencode(),
        "unit": actor.user.preferred_unit,
    }
    if request.headers.get("HX-Request"):
        return render(request, "dashboard/_rows.html", context)
    context.update(
        {
            "summary": {**counts, **improved_counts(clinic=clinic, therapist_id=therapist_id)},
            "therapists": selectors.clinic_therapists(clinic_id=clinic.pk)
            if actor.role == Role.CLINIC_ADMIN
            else [],
            "is_admin": actor.role == Role.CLINIC_ADMIN,
        }
    )
    return render(request, "dashboard/dashboard.html", context)


@staff_required
@require_GET
def outcomes(request: HttpRequest) -> HttpResponse:
    """The clinic's outcomes: ankle gains beside back, leg and function gains, counted."""
    actor = actor_for(request)
    if not can_view_clinical_data(actor):
        raise PermissionDenied(_("The outcomes page shows clinical data."))
    clinic = actor.clinic
    therapists = selectors.clinic_therapists(clinic_id=clinic.pk)
    form = OutcomesFilterForm(request.GET or None, therapists=therapists)
    filters = form.cleaned_data if form.is_valid() else {}
    versus = filters.get("versus") or "back"
    cohort, rows = outcome_rows(
        clinic_outcomes(clinic=clinic),
        therapist_id=filters.get("therapist"),
        since=filters.get("since"),
        until=filters.get("until"),
        unit=clinic.display_unit,
    )
    # Counts only, no names; the trail still says whose data the counts were made of.
    note_listed("outcomes", [outcome.patient_id for outcome in cohort])
    table = cross_table(cohort, versus)
    cell_patients = None
    if filters.get("cell"):
        ankle, other = filters["cell"].split(".")
        cell_patients = {
            "ankle": CLASS_LABELS[ankle],
            "other": CLASS_LABELS[other],
            "patients": patients_visible_to(actor)
            .filter(pk__in=in_cell(cohort, versus, ankle, other))
            .select_related("primary_therapist")
            .order_by("last_name", "first_name", "pk"),
        }
    query = request.GET.copy()
    for name in ("cell", "versus"):
        query.pop(name, None)
    context = {
        "form": form,
        "rows": rows,
        "cohort_size": len(cohort),
        "classes": [(key, CLASS_LABELS[key]) for key in CLASSES],
        "cross": [
            (key, CLASS_LABELS[key], [(other, table[key][other]) for other in CLASSES])
            for key in CLASSES
        ],
        "cell": filters.get("cell", ""),
        "cell_patients": cell_patients,
        "query_without_cell": query.urlencode(),
        "cross_n": sum(sum(cells.values()) for cells in table.values()),
        "versus": versus,
        "versus_label": VERSUS[versus],
        "share_from": SHARE_FROM,
        "min_tests": MIN_TESTS,
        "min_answers": MIN_VALID_ANSWERS,
    }
    return render(request, "dashboard/outcomes.html", context, status=400 if form.errors else 200)
