"""The reminders' pages: deliveries that failed (staff), and the patient's one-tap opt-out."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic.access import actor_for
from clinic.decorators import staff_required
from reminders import selectors, services


@staff_required
@require_GET
def reminders_failed(request: HttpRequest) -> HttpResponse:
    """Deliveries that failed: the front desk follows up by phone. A planner that ran out of
    time has not planned every reminder yet: said here, where the front desk looks for
    reminders that did not go out."""
    actor = actor_for(request)
    return render(
        request,
        "reminders/failed.html",
        {
            "failed": selectors.failed_deliveries(clinic_id=actor.clinic.pk),
            "planner_late": selectors.planner_out_of_time(),
        },
    )


@never_cache
def reminders_opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """The link at the end of every patient message: one tap stops reminders."""
    if request.method == "POST":
        patient = services.reminders_opt_out(token=token)
        return render(
            request,
            "reminders/opt_out.html",
            {"done": patient is not None},
            status=200 if patient else 404,
        )
    return render(request, "reminders/opt_out.html", {"done": False, "token": token})
