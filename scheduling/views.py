"""Pages of the front desk's schedule: calendars, booking, the due-list, the waitlist, feeds."""

from datetime import date, timedelta
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.dateparse import parse_date
from django.utils.dates import WEEKDAYS
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from clinic import selectors as clinic_selectors
from clinic.access import Action, actor_for, patient_for, patients_visible_to
from clinic.decorators import staff_required
from clinic.forms import form_add_service_errors
from clinic.models import User
from clinic.redirects import next_path, redirect_to_next
from clinic.times import local_datetime_text
from scheduling import calendar_feeds, reminders, selectors, services
from scheduling.forms import BookingChoice, BookingForm, clinic_moment, local_input_value
from scheduling.models import Appointment, AppointmentStatus, CalendarFeed, WaitlistEntry


def _day_from(request: HttpRequest, clinic) -> date:
    return parse_date(request.GET.get("date") or "") or clinic.local_today()


def _therapist_in(actor, therapist_id) -> User | None:
    return clinic_selectors.clinic_therapist(clinic_id=actor.clinic.pk, therapist_id=therapist_id)


@staff_required
@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    """Day or week calendar for the clinic or one therapist."""
    actor = actor_for(request)
    clinic = actor.clinic
    day = _day_from(request, clinic)
    week = request.GET.get("view") == "week"
    first = day - timedelta(days=day.weekday()) if week else day
    days = [first + timedelta(days=n) for n in range(7 if week else 1)]
    therapist = _therapist_in(actor, request.GET.get("therapist"))
    therapists = clinic_selectors.clinic_therapists(clinic_id=clinic.pk)
    view = selectors.schedule_view(clinic=clinic, days=days, therapist=therapist, week=week)
    step = timedelta(days=7 if week else 1)
    feed = selectors.calendar_feed_for(therapist=therapist) if therapist else None
    return render(
        request,
        "scheduling/schedule.html",
        {
            "days": days,
            "day": day,
            "week": week,
            "view": view,
            "therapist": therapist,
            "therapists": therapists,
            "previous": (first - step).isoformat(),
            "next": (first + step).isoformat(),
            "today": clinic.local_today(),
            "feed": feed,
            "feed_url": services.calendar_feed_url(feed) if feed else "",
            # Each free cell's link adds therapist, date and time; booking returns here.
            "book_url": f"{reverse('book')}?next={quote(request.get_full_path())}",
            # An appointment's page is this plus its id: reversed once, not once per
            # appointment (a week can hold thousands).
            "appointments_url": reverse("appointment-detail", args=[0]).removesuffix("0/"),
        },
    )


def _free_slots_for(clinic, choice: BookingChoice) -> list:
    return selectors.free_slots(
        clinic=clinic,
        start_date=choice.day,
        end_date=choice.day + timedelta(days=13),
        minutes=choice.appointment_type.default_minutes,
        therapist=choice.therapist,
        limit=12,
    )


@staff_required
def book(request: HttpRequest) -> HttpResponse:
    """Pick a slot for a patient: the next free slots first, any time on request."""
    actor = actor_for(request)
    types = services.appointment_types_ensure(clinic=actor.clinic)
    booking = request.method == "POST"
    form = BookingForm(
        request.POST if booking else request.GET, actor=actor, types=types, picking=not booking
    )
    choice = form.choice()
    conflict = None
    if booking and form.is_valid():
        try:
            appointment = _book(form.cleaned_data, booked_by=actor.user)
        except services.AppointmentConflict as exc:
            conflict = exc.conflicting
            form_add_service_errors(form, exc)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            when = local_datetime_text(appointment.starts_at, actor.clinic.zone)
            messages.success(
                request,
                _("Booked: %(patient)s with %(therapist)s on %(when)s.")
                % {
                    "patient": appointment.patient.full_name,
                    "therapist": appointment.therapist,
                    "when": when,
                },
            )
            return redirect_to_next(request, "schedule")
    context = {
        "patient": choice.patient,
        "therapist": choice.therapist,
        "therapists": form.therapists,
        "types": types,
        "appointment_type": choice.appointment_type,
        "day": choice.day,
        "errors": form.named_errors() if booking else [],
        "conflict": conflict,
        # A refused booking keeps what was typed, to correct rather than type again; a slot
        # chosen on the schedule's grid starts the form with its time.
        "typed": _typed_booking(form, actor.clinic)
        if booking
        else _chosen_time(choice, actor.clinic),
        "chosen": not booking and choice.starts_at is not None,
        "next": next_path(request),
        "waitlist": form.data.get("waitlist", ""),
        "patients": list(patients_visible_to(actor).active().order_by("last_name")[:500])
        if choice.patient is None
        else [],
    }
    if choice.patient is not None:
        context["slots"] = _free_slots_for(actor.clinic, choice)
    return render(request, "scheduling/book.html", context, status=409 if conflict else 200)


def _chosen_time(choice: BookingChoice, clinic) -> dict[str, str]:
    if choice.starts_at is None:
        return {}
    return {"starts_at": local_input_value(choice.starts_at, clinic.zone), "note": ""}


def _typed_booking(form: BookingForm, clinic) -> dict[str, str]:
    """The "another time" form's values as sent: the time as the datetime-local input shows
    it (the clinic's wall clock, also for a slot's ISO time with its offset), or the text as
    typed when it is no time at all."""
    text = (form.data.get("starts_at") or "").strip()
    moment = clinic_moment(text, clinic.zone)
    return {
        "starts_at": local_input_value(moment, clinic.zone) if moment else text,
        "note": form.data.get("note") or "",
    }


def _book(values: dict, *, booked_by: User) -> Appointment:
    """A booking form's values booked: for the waiting patient when it names a waitlist entry
    (their entry is then closed), else as given."""
    if values["waitlist"] is not None:
        return services.waitlist_book(
            entry=values["waitlist"],
            therapist=values["therapist"],
            starts_at=values["starts_at"],
            booked_by=booked_by,
        )
    return services.appointment_book(
        patient=values["patient"],
        therapist=values["therapist"],
        appointment_type=values["kind"],
        starts_at=values["starts_at"],
        booked_by=booked_by,
        note=values["note"],
    )


def _appointment_for(actor, appointment_id: int) -> Appointment:
    appointment = (
        Appointment.objects.select_related("patient", "therapist", "appointment_type", "clinic")
        .filter(pk=appointment_id, clinic_id=actor.clinic.pk)
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


def _move_slots(clinic, appointment: Appointment, first_day: date) -> list[tuple[date, list]]:
    """Free slots of the appointment's length with its therapist, from `first_day`, by day:
    where the "Move" form may send it. Its own time counts as free, so it can move by a
    quarter."""
    if appointment.status != AppointmentStatus.BOOKED:
        return []
    slots = selectors.free_slots(
        clinic=clinic,
        start_date=first_day,
        end_date=first_day + timedelta(days=13),
        minutes=int((appointment.ends_at - appointment.starts_at).total_seconds() // 60),
        therapist=appointment.therapist,
        ignoring=appointment,
        limit=13,
    )
    by_day: dict[date, list] = {}
    for slot in [slot for slot in slots if slot.starts_at != appointment.starts_at][:12]:
        by_day.setdefault(clinic.local_date(slot.starts_at), []).append(slot)
    return list(by_day.items())


@staff_required
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = actor_for(request)
    appointment = _appointment_for(actor, appointment_id)
    zone = actor.clinic.zone
    move_to = local_input_value(appointment.starts_at, zone)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "cancel":
                appointment = services.appointment_cancel(appointment=appointment, by=actor.user)
                messages.success(
                    request, _("Cancelled. Patients waiting for a slot are listed below.")
                )
            elif action in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
                appointment = services.appointment_mark(appointment=appointment, status=action)
                if appointment.status == AppointmentStatus.COMPLETED:
                    messages.success(request, _("Marked completed."))
                else:
                    messages.success(request, _("Marked no-show."))
            elif action == "reschedule":
                starts_at = clinic_moment(request.POST.get("starts_at"), zone)
                if starts_at is None:
                    raise ValidationError(
                        {"starts_at": [_("Enter a date and a time: 2025-03-14T09:30.")]}
                    )
                appointment = services.appointment_reschedule(
                    appointment=appointment, starts_at=starts_at, by=actor.user
                )
                messages.success(
                    request,
                    _("Moved to %(when)s.")
                    % {"when": local_datetime_text(appointment.starts_at, zone)},
                )
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            if action != "reschedule":
                messages.error(request, " ".join(exc.messages))
                return redirect("appointment-detail", appointment_id=appointment.pk)
            # A refused move shows the page again with the time as typed, to correct it.
            errors = [_("Move to: %(message)s") % {"message": message} for message in exc.messages]
            status = 409 if isinstance(exc, services.AppointmentConflict) else 400
            move_to = (request.POST.get("starts_at") or "").strip()
            appointment = _appointment_for(actor, appointment_id)
        else:
            # The grid's drag-and-drop move comes back to the grid it was made on.
            return redirect_to_next(request, "appointment-detail", appointment_id=appointment.pk)
    matches = []
    today = actor.clinic.local_today()
    move_from = max(
        parse_date(request.GET.get("from") or "") or actor.clinic.local_date(appointment.starts_at),
        today,
    )
    if appointment.status == AppointmentStatus.CANCELLED and appointment.starts_at > timezone.now():
        matches = selectors.waitlist_matches(appointment=appointment)
    return render(
        request,
        "scheduling/appointment_detail.html",
        {
            "appointment": appointment,
            "matches": matches,
            "can_mark": appointment.starts_at <= timezone.now(),
            "local_day": actor.clinic.local_date(appointment.starts_at),
            "move_to": move_to,
            "move_from": move_from,
            "move_slots": _move_slots(actor.clinic, appointment, move_from),
            "errors": errors,
        },
        status=status,
    )


DUE_ROWS_PER_PAGE = 50


@staff_required
@require_GET
def due(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    clinic = actor.clinic
    page = Paginator(selectors.due_list(clinic=clinic), DUE_ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    kinds = {t.kind: t for t in services.appointment_types_ensure(clinic=clinic)}
    rows = selectors.due_rows(
        clinic=clinic,
        items=page.object_list,
        minutes={kind: kinds[kind].default_minutes for kind in ("retest", "follow_up")},
    )
    return render(
        request,
        "scheduling/due.html",
        {"rows": rows, "page": page, "query_without_page": ""},
    )


@staff_required
def waitlist(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    types = services.appointment_types_ensure(clinic=actor.clinic)
    if request.method == "POST":
        if request.POST.get("remove", "").isdigit():
            entry = WaitlistEntry.objects.filter(
                pk=request.POST["remove"], clinic=actor.clinic
            ).first()
            if entry is None:
                raise Http404("No such entry.")
            services.waitlist_remove(entry=entry)
            messages.success(request, _("Removed from the waitlist."))
            return redirect("waitlist")
        patient = None
        if request.POST.get("patient", "").isdigit():
            patient = patients_visible_to(actor).filter(pk=request.POST["patient"]).first()
        kind = request.POST.get("kind") or "follow_up"
        try:
            if patient is None:
                raise ValidationError({"patient": [_("Choose a patient of this clinic.")]})
            services.waitlist_add(
                patient=patient,
                appointment_type=next((t for t in types if t.kind == kind), types[0]),
                therapist=_therapist_in(actor, request.POST.get("therapist")),
                note=request.POST.get("note", ""),
                added_by=actor.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(patient)s is on the waitlist.") % {"patient": patient.full_name}
            )
        return redirect("waitlist")
    return render(
        request,
        "scheduling/waitlist.html",
        {
            "entries": selectors.waitlist(clinic=actor.clinic),
            "patients": patients_visible_to(actor).active().order_by("last_name")[:500],
            "therapists": clinic_selectors.clinic_therapists(clinic_id=actor.clinic.pk),
            "types": types,
        },
    )


# --- Calendar feeds ---------------------------------------------------------------------------


@staff_required
@require_POST
def feed_issue(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    therapist = _therapist_in(actor, request.POST.get("therapist"))
    patient = None
    if request.POST.get("patient", "").isdigit():
        patient = patient_for(actor, int(request.POST["patient"]), Action.ISSUE_LINK)
    if therapist is None and patient is None:
        messages.error(request, _("Choose a therapist or a patient for the calendar address."))
        return redirect_to_next(request, "schedule")
    services.calendar_feed_issue(created_by=actor.user, therapist=therapist, patient=patient)
    messages.success(request, _("A new calendar address is ready; the old one stops working."))
    return redirect_to_next(request, "schedule")


@staff_required
@require_POST
def feed_revoke(request: HttpRequest, feed_id: str) -> HttpResponse:
    actor = actor_for(request)
    feed = CalendarFeed.objects.filter(pk=feed_id, clinic=actor.clinic).first()
    if feed is None:
        raise Http404("No such feed.")
    services.calendar_feed_revoke(feed=feed)
    messages.success(request, _("The calendar address is revoked."))
    return redirect_to_next(request, "schedule")


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics file: no sign-in, the secret address is the key. HEAD answers as GET does
    (the server leaves the body out); a conditional request for an unchanged file gets 304,
    judged by Django's own reading of If-None-Match and If-Modified-Since."""
    calendar_feed = services.calendar_feed_resolve(token)
    if calendar_feed is None:
        raise Http404("No such calendar.")
    published = calendar_feeds.calendar_feed_publish(calendar_feed)
    last_modified = int(published.last_modified.timestamp())
    response = HttpResponse(published.body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="dorsi.ics"'
    response["ETag"] = published.etag
    response["Last-Modified"] = http_date(last_modified)
    # private: no shared cache keeps a file whose address is the key; no-cache: the app keeps
    # it but asks again each time, which is what the ETag is for.
    patch_cache_control(response, private=True, no_cache=True)
    return get_conditional_response(
        request, etag=published.etag, last_modified=last_modified, response=response
    )


# Django's own weekday names, translated in its catalogue.
WEEKDAY_NAMES = tuple(WEEKDAYS[day] for day in range(7))


@staff_required
def hours(request: HttpRequest) -> HttpResponse:
    """A therapist's weekly hours and time off: their own, or anyone's for a clinic admin.

    A refused form is shown again with what was typed. Shorter hours are saved at once, and
    the booked appointments they leave outside are listed (on every visit, until each is moved,
    cancelled or the hours cover it again): the front desk calls those patients, and the page
    is where they look."""
    actor = actor_for(request)
    therapists = clinic_selectors.clinic_therapists(clinic_id=actor.clinic.pk)
    therapist = _therapist_in(actor, request.GET.get("therapist") or request.POST.get("therapist"))
    if therapist is None and actor.user.is_clinician:
        therapist = actor.user
    if therapist is None:
        # The front desk lands on someone who treats, not a clinic admin with no hours.
        therapist = next(
            (person for person in therapists if person.role == "therapist"),
            therapists[0] if therapists else None,
        )
    if therapist is None:
        raise Http404("This clinic has no therapist yet.")
    may_edit = therapist == actor.user or actor.role == "clinic_admin"
    by_day = {row.weekday: row for row in therapist.working_hours.all()}
    typed_week = {
        day: (
            f"{by_day[day].starts:%H:%M}" if day in by_day else "",
            f"{by_day[day].ends:%H:%M}" if day in by_day else "",
        )
        for day in range(7)
    }
    typed_off = {"starts_at": "", "ends_at": "", "reason": ""}
    hours_errors: list[str] = []
    off_errors: list[str] = []
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("Only the therapist or a clinic admin changes these hours."))
        action = request.POST.get("action")
        try:
            if action == "hours":
                typed_week = {
                    day: (
                        request.POST.get(f"starts_{day}", "").strip(),
                        request.POST.get(f"ends_{day}", "").strip(),
                    )
                    for day in range(7)
                }
                stranded = services.working_hours_set(therapist=therapist, week=typed_week)
                if stranded:
                    messages.warning(
                        request,
                        ngettext(
                            "Working hours saved. %(count)s booked appointment now falls outside "
                            "them: listed below, still booked. Move or keep each with the "
                            "patient.",
                            "Working hours saved. %(count)s booked appointments now fall outside "
                            "them: listed below, still booked. Move or keep each with the "
                            "patient.",
                            len(stranded),
                        )
                        % {"count": len(stranded)},
                    )
                else:
                    messages.success(request, _("Working hours saved."))
            elif action == "time_off":
                typed_off = {
                    name: request.POST.get(name, "").strip()
                    for name in ("starts_at", "ends_at", "reason")
                }
                services.time_off_add(
                    therapist=therapist,
                    starts_at=clinic_moment(typed_off["starts_at"], actor.clinic.zone),
                    ends_at=clinic_moment(typed_off["ends_at"], actor.clinic.zone),
                    reason=typed_off["reason"],
                )
                messages.success(request, _("Time off added."))
            elif action == "remove_time_off":
                services.time_off_remove(therapist=therapist, time_off_id=request.POST.get("id"))
                messages.success(request, _("Time off removed."))
        except ValidationError as exc:
            if action == "hours":
                hours_errors = exc.messages
            elif action == "time_off":
                labels = {"starts_at": _("From"), "ends_at": _("Until"), "reason": _("Reason")}
                named = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                off_errors = [
                    _("%(label)s: %(message)s") % {"label": labels[field], "message": message}
                    if field in labels
                    else message
                    for field, messages_ in named.items()
                    for message in messages_
                ]
            else:
                messages.error(request, " ".join(exc.messages))
        if not (hours_errors or off_errors):
            return redirect(f"{request.path}?therapist={therapist.pk}")
    return render(
        request,
        "scheduling/hours.html",
        {
            "therapist": therapist,
            "therapists": therapists,
            "may_edit": may_edit,
            "week": [(day, name, *typed_week[day]) for day, name in enumerate(WEEKDAY_NAMES)],
            "hours_errors": hours_errors,
            "off_errors": off_errors,
            "typed_off": typed_off,
            "time_off": therapist.time_off.filter(ends_at__gt=timezone.now()),
            "outside_hours": selectors.appointments_outside_hours(therapist=therapist),
        },
        status=400 if hours_errors or off_errors else 200,
    )


# --- The patient's answer to an appointment reminder --------------------------------------


@never_cache
def appointment_respond(request: HttpRequest, token: str) -> HttpResponse:
    """The patient confirms, or asks to reschedule, from the reminder's link. The page names
    the appointment and the answer before anything is sent."""
    if request.method == "POST":
        appointment = reminders.appointment_respond(token=token)
        if appointment is None:
            return render(request, "scheduling/respond.html", {"invalid": True}, status=404)
        # Opened from a message, without a session: the page speaks the message's language.
        translation.activate(appointment.patient.language)
        return render(
            request,
            "scheduling/respond.html",
            {"appointment": appointment, "answer": appointment.patient_response, "done": True},
        )
    read = reminders.appointment_response_read(token)
    if read is None:
        return render(request, "scheduling/respond.html", {"invalid": True}, status=404)
    appointment, answer = read
    translation.activate(appointment.patient.language)
    return render(
        request,
        "scheduling/respond.html",
        {"appointment": appointment, "answer": answer, "token": token},
    )
