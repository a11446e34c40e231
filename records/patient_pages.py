"""The two pages that show a patient's record as a whole: the staff page of one patient
(/patients/<id>/) and the patient's own page (/me/).

They compose every app's data (readings, routines and adherence, appointments and the calendar
address), so they live here, above those apps, and not in the clinic core they all build on.
What each viewer sees is the access policy's actions, never a role check here.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assessments.selectors import patient_progress_lines, patient_readings
from clinic import selectors as clinic_selectors
from clinic import services as clinic_services
from clinic.access import Action, actor_for, can, own_patient, patient_for
from clinic.decorators import patient_required, staff_required
from exercises.selectors import current_versions, patient_adherence
from neural.charts import slr_chart
from neural.selectors import latest_by_side, patient_neural_history, slr_points
from questionnaires import selectors as questionnaire_selectors
from questionnaires.forms import AskForm
from records.beside_the_ankle import beside_the_ankle
from reports.due import report_count
from scheduling import selectors as scheduling_selectors
from scheduling import services as scheduling_services


@staff_required
@require_GET
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.VIEW)
    links = []
    if can(actor, Action.ISSUE_LINK, patient):
        links = [
            {
                "link": link,
                "url": clinic_services.patient_link_url(link) if link.is_usable() else None,
            }
            for link in clinic_selectors.patient_links(patient=patient)
        ]
    feed = None
    if can(actor, Action.ISSUE_LINK, patient):
        feed = scheduling_selectors.calendar_feed_for(patient=patient)
    latest_reading = adherence = questionnaires = beside = neural = count = None
    routines: list = []
    if can(actor, Action.VIEW_CLINICAL, patient):
        all_readings = patient_readings(patient=patient)
        readings = [r for r in all_readings if not r.is_self_test]
        latest_reading = readings[-1] if readings else None
        beside = beside_the_ankle(
            patient=patient, readings=all_readings, unit=actor.user.preferred_unit
        )
        routines = current_versions(patient=patient)
        adherence = patient_adherence(patient=patient)
        questionnaires = _questionnaires_for_staff(actor, patient)
        neural = _neural_for_staff(patient, beside)
        count = report_count(patient)
    return render(
        request,
        "records/patient_detail.html",
        {
            "patient": patient,
            "latest_reading": latest_reading,
            "beside": beside,
            "routines": routines,
            "adherence": adherence,
            "unit": actor.user.preferred_unit,
            "links": links,
            "can_change": can(actor, Action.CHANGE, patient),
            "can_discharge": can(actor, Action.DISCHARGE, patient),
            "can_issue_link": can(actor, Action.ISSUE_LINK, patient),
            "can_export": can(actor, Action.EXPORT, patient),
            "can_anonymise": can(actor, Action.ANONYMISE, patient),
            "show_clinical": can(actor, Action.VIEW_CLINICAL, patient),
            "questionnaires": questionnaires,
            "neural": neural,
            "report_count": count,
            "link_days": settings.PATIENT_LINK_MAX_AGE.days,
            "feed_url": scheduling_services.calendar_feed_url(feed) if feed else "",
            "feed": feed,
            "reminders": patient.reminders.order_by("-due_at")[:10],
            "future_appointments": (
                scheduling_selectors.future_appointments(patient_id=patient.pk).count()
                if patient.is_active and can(actor, Action.DISCHARGE, patient)
                else 0
            ),
        },
    )


def _neural_for_staff(patient, beside) -> dict:
    """The neural tests beside the ankle: the latest SLR and slump per side in words, and the
    SLR onset angle per side over time; on the ankle's time line when every SLR falls inside
    it (they are mostly done at a knee-to-wall visit), so a date is at the same x."""
    readings = patient_neural_history(patient=patient)
    latest = latest_by_side(readings)
    moments = [when for side in ("left", "right") for when, _ in slr_points(readings, side)]
    time_range = None
    if (
        beside is not None
        and moments
        and beside.start <= min(moments) <= max(moments) <= beside.end
    ):
        time_range = (beside.start, beside.end)
    return {
        "latest_slr": [latest["slr"][side] for side in ("left", "right") if side in latest["slr"]],
        "latest_slump": [
            latest["slump"][side] for side in ("left", "right") if side in latest["slump"]
        ],
        "charts": [
            chart
            for side in ("left", "right")
            if (chart := slr_chart(slr_points(readings, side), side, time_range=time_range))
            is not None
        ],
    }


def _questionnaires_for_staff(actor, patient) -> dict:
    """The Questionnaires section: open requests, completed answers, and the ask form for
    those who may ask (therapists and clinic admins, the patient still in care)."""
    may_ask = patient.is_active and can(actor, Action.CHANGE_CLINICAL, patient)
    return {
        "open": questionnaire_selectors.requests_open(patient),
        "completed": questionnaire_selectors.responses_completed(patient)[:20],
        "may_ask": may_ask,
        "today": patient.clinic.local_today(),
        "ask_form": AskForm(clinic=patient.clinic) if may_ask else None,
    }


@never_cache
@patient_required
@require_GET
def patient_home(request: HttpRequest) -> HttpResponse:
    patient = own_patient(actor_for(request), Action.VIEW_CLINICAL)
    unit = patient.clinic.display_unit
    readings = patient_readings(patient=patient)
    beside = beside_the_ankle(patient=patient, readings=readings, unit=unit, for_patient=True)
    routines = current_versions(patient=patient)
    adherence = patient_adherence(patient=patient)
    sessions_due_today = sum(version.times_per_day for version in routines)
    done_today = bool(routines) and adherence.done_today >= sessions_due_today
    return render(
        request,
        "records/patient_home.html",
        {
            "patient": patient,
            "progress": patient_progress_lines(patient=patient, unit=unit, readings=readings),
            "beside": beside,
            "routines": routines,
            "done_today": done_today,
            "sessions_due_today": sessions_due_today,
            "appointments": scheduling_selectors.patient_upcoming_appointments(patient=patient)[:5],
            "adherence": adherence,
            "questionnaires_open": questionnaire_selectors.requests_open(patient),
        },
    )
