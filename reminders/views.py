"""The reminders' pages: deliveries that failed (staff), the patient's one-tap opt-out, and
the short links in text messages."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

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


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def reminders_opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """The link at the end of every patient message, and the URL of its List-Unsubscribe
    header. A GET only asks (mail scanners open links before the patient does); a POST stops
    reminders, whether from the page's button or a mail app's one-click unsubscribe (RFC 8058:
    body `List-Unsubscribe=One-Click`, no cookies). So no CSRF token: the signed, expiring
    token in the URL is the credential, and a forged POST could only do what the link does."""
    if request.method == "POST":
        patient = services.reminders_opt_out(token=token)
        if patient is not None:
            # Opened from a message, without a session: the page speaks the message's language.
            translation.activate(patient.language)
        return render(
            request,
            "reminders/opt_out.html",
            {"done": patient is not None, "invalid": patient is None},
            status=200 if patient else 404,
        )
    patient = services.opt_out_read(token)
    if patient is None:
        return render(request, "reminders/opt_out.html", {"invalid": True}, status=404)
    translation.activate(patient.language)
    return render(request, "reminders/opt_out.html", {"clinic_name": patient.clinic.name})


@never_cache
@require_GET
def short_link_open(request: HttpRequest, code: str) -> HttpResponse:
    """A text message's short link: on to the page it stands for, which asks before it acts."""
    path = services.short_link_path(code=code)
    if path is None:
        return render(request, "reminders/short_link_gone.html", status=404)
    return HttpResponseRedirect(path)
