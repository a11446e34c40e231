"""The questionnaire pages: the patient answers one question a screen on their phone; staff ask
for a questionnaire, cancel a request, and enter answers given on paper.

Thin: each page reads a form and calls one service (questionnaires/services.py), whose errors
land on the field they name. Who may do what is the access policy's (clinic/access.py): the
patient answers their own requests (`answer_questionnaire`); therapists and clinic admins ask,
cancel and enter paper answers (`change_clinical`), the front desk does none of it.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import Action, actor_for, own_patient, patient_for, patients_visible_to
from clinic.decorators import patient_required, staff_required
from clinic.forms import form_add_service_errors
from questionnaires import selectors, services, steps
from questionnaires.forms import (
    AnswerForm,
    AskForm,
    PaperForm,
    add_answer_errors,
    error_lines,
)
from questionnaires.models import Instrument, QuestionnaireRequest, RequestStatus
from questionnaires.scoring import score


def _posted(request: HttpRequest):
    """The form's data on a POST, even an empty one (an empty QueryDict is falsy)."""
    return request.POST if request.method == "POST" else None


# --- The patient's pages ----------------------------------------------------------------------


def _own_request(request: HttpRequest, request_id: int):
    actor = actor_for(request)
    patient = own_patient(actor, Action.ANSWER_QUESTIONNAIRE)
    questionnaire = selectors.request_of_patient(patient, request_id)
    if questionnaire is None:
        raise Http404("No such questionnaire.")
    return actor, questionnaire


def _screen_url(questionnaire: QuestionnaireRequest, screen: int | str) -> str:
    return f"{reverse('questionnaire-answer', args=[questionnaire.pk])}?q={screen}"


def _closed(request: HttpRequest, questionnaire: QuestionnaireRequest) -> HttpResponse:
    """A request no longer open: answered (the thank-you page) or withdrawn."""
    if questionnaire.status == RequestStatus.COMPLETED:
        return redirect("questionnaire-done", request_id=questionnaire.pk)
    return render(request, "questionnaires/closed.html", {"questionnaire": questionnaire})


@never_cache
@patient_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, request_id: int) -> HttpResponse:
    """One screen of the questionnaire: a question (`?q=3`) or the review (`?q=review`); without
    `q`, where the patient left off. Each Next saves the answers so far."""
    actor, questionnaire = _own_request(request, request_id)
    if not questionnaire.is_open:
        return _closed(request, questionnaire)
    saved = selectors.saved_response(questionnaire)
    definition = saved.answered_definition() if saved else questionnaire.instrument.definition()
    answers = saved.answers if saved else {}
    labels = saved.item_labels if saved else {}
    screen = steps.screen_from(request.POST.get("q") or request.GET.get("q"), definition)
    if screen is None:
        return redirect(_screen_url(questionnaire, steps.resume_at(definition, answers)))
    if screen == steps.REVIEW:
        return _review(request, actor, questionnaire, definition, answers, labels)

    item = definition.items[screen - 1]
    label = labels.get(item.id) or ""
    if item.asks_for_label and not label:
        # A follow-up rates the activities named at the first answers: offered, not imposed.
        label = selectors.activities_named_first(
            questionnaire.patient_id, questionnaire.instrument
        ).get(item.id, "")
    initial = {"answer": answers.get(item.id, ""), "label": label}
    form = AnswerForm(_posted(request), item=item, definition=definition, initial=initial)
    going = request.POST.get("go", "next")
    if request.method == "POST" and (going == "skip" or form.is_valid()):
        if going == "skip":
            given, named = {item.id: None}, ({item.id: None} if item.asks_for_label else None)
        else:
            given, named = form.answers(), form.item_labels()
        if going == "next" and given[item.id] is None:
            form.add_error("answer", _("Choose an answer to go on."))
        else:
            try:
                services.response_save_progress(
                    actor=actor, request=questionnaire, answers=given, item_labels=named
                )
            except ValidationError as exc:
                if "request" in exc.message_dict:
                    questionnaire.refresh_from_db()
                    return _closed(request, questionnaire)
                add_answer_errors(form, exc, definition, form.service_fields())
            else:
                if going == "back":
                    return redirect(_screen_url(questionnaire, steps.before(screen)))
                if request.POST.get("then") == steps.REVIEW:  # a change made from the review
                    return redirect(_screen_url(questionnaire, steps.REVIEW))
                return redirect(_screen_url(questionnaire, steps.after(screen, definition)))
    return render(
        request,
        "questionnaires/answer.html",
        {
            "questionnaire": questionnaire,
            "instrument": questionnaire.instrument,
            "item": item,
            "number": screen,
            "count": len(definition.items),
            "form": form,
            "scale": all(len(option.label) <= 12 for option in item.options[1:-1])
            and len(item.options) > 5,
            "may_skip": definition.missing_items_allowed > 0,
            "then": request.POST.get("then") or request.GET.get("then", ""),
        },
    )


def _review(request, actor, questionnaire, definition, answers, labels) -> HttpResponse:
    """Every answer, each with a way back to change it, and the button that sends them."""
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.response_submit(
                actor=actor,
                request=questionnaire,
                answers={},
                submission_key=request.POST.get("submission_key", ""),
            )
        except ValidationError as exc:
            if "request" in exc.message_dict:
                questionnaire.refresh_from_db()
                return _closed(request, questionnaire)
            errors = error_lines(exc, definition)
        else:
            return redirect("questionnaire-done", request_id=questionnaire.pk)
    rows = []
    for number, item in enumerate(definition.items, start=1):
        chosen = next((o for o in item.options if o.value == answers.get(item.id)), None)
        rows.append(
            {"number": number, "item": item, "chosen": chosen, "label": labels.get(item.id)}
        )
    return render(
        request,
        "questionnaires/review.html",
        {
            "questionnaire": questionnaire,
            "instrument": questionnaire.instrument,
            "rows": rows,
            "count": len(definition.items),
            "result": score(definition, answers),
            "submission_key": uuid.uuid4(),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@never_cache
@patient_required
@require_http_methods(["GET"])
def done(request: HttpRequest, request_id: int) -> HttpResponse:
    _actor, questionnaire = _own_request(request, request_id)
    if questionnaire.status != RequestStatus.COMPLETED:
        return redirect("questionnaire-answer", request_id=questionnaire.pk)
    return render(
        request,
        "questionnaires/done.html",
        {
            "questionnaire": questionnaire,
            "still_open": selectors.requests_open(questionnaire.patient),
        },
    )


# --- Staff: ask, cancel, paper answers --------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.CHANGE_CLINICAL)
    form = AskForm(_posted(request), clinic=patient.clinic)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = services.request_create(
                patient=patient,
                instrument=form.cleaned_data["instrument"],
                requested_by=actor.user,
                due_on=form.cleaned_data["due_on"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is asked to answer the %(questionnaire)s by %(date)s.")
                % {
                    "name": patient.full_name,
                    "questionnaire": questionnaire.instrument.name,
                    "date": date_format(questionnaire.due_on, "j F Y"),
                },
            )
            return redirect("patient-detail", patient_id=patient.pk)
    return render(
        request,
        "questionnaires/ask.html",
        {"patient": patient, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required
@require_POST
def cancel(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = actor_for(request)
    questionnaire = (
        QuestionnaireRequest.objects.filter(pk=request_id, patient__in=patients_visible_to(actor))
        .select_related("instrument")
        .first()
    )
    if questionnaire is None:
        raise Http404("No such questionnaire request.")
    patient = patient_for(actor, questionnaire.patient_id, Action.CHANGE_CLINICAL)
    try:
        services.request_cancel(request=questionnaire, cancelled_by=actor.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The %(questionnaire)s request is cancelled.")
            % {"questionnaire": questionnaire.instrument.name},
        )
    return redirect("patient-detail", patient_id=patient.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def paper(request: HttpRequest, patient_id: int) -> HttpResponse:
    """All of one instrument's questions on one page (`?instrument=<id>`); without one, the
    choice of instrument."""
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.CHANGE_CLINICAL)
    available = selectors.instruments_available(patient.clinic_id)
    instrument = _chosen_instrument(request, available, patient)
    if instrument is None:
        return render(
            request,
            "questionnaires/paper_choose.html",
            {"patient": patient, "instruments": available},
        )
    open_request = selectors.requests_open(patient).filter(instrument=instrument).first()
    form = PaperForm(
        _posted(request),
        definition=instrument.definition(),
        clinic=patient.clinic,
        activities=selectors.activities_named_first(patient.pk, instrument),
    )
    if request.method == "POST" and form.is_valid():
        try:
            response, _was_new = services.response_enter_from_paper(
                entered_by=actor.user,
                patient=patient,
                instrument=instrument,
                answers=form.answers(),
                item_labels=form.item_labels(),
                submission_key=form.cleaned_data["submission_key"],
                completed_at=form.completed_at(),
            )
        except ValidationError as exc:
            add_answer_errors(form, exc, form.definition, {"completed_at": "filled_in_on"})
        else:
            messages.success(
                request,
                (
                    _("The %(questionnaire)s answers from paper are recorded: score %(score)s.")
                    % {"questionnaire": instrument.name, "score": f"{response.total.normalize():f}"}
                    if response.score_valid
                    else _(
                        "The %(questionnaire)s answers from paper are recorded: no valid score "
                        "(too many questions unanswered)."
                    )
                    % {"questionnaire": instrument.name}
                ),
            )
            return redirect("patient-detail", patient_id=patient.pk)
    return render(
        request,
        "questionnaires/paper.html",
        {
            "patient": patient,
            "instrument": instrument,
            "form": form,
            "open_request": open_request,
        },
        status=400 if form.errors else 200,
    )


def _chosen_instrument(request: HttpRequest, available, patient) -> Instrument | None:
    chosen = request.POST.get("instrument") or request.GET.get("instrument") or ""
    if not chosen.isdigit():
        return None
    instrument = available.filter(pk=int(chosen)).first()
    if instrument is None:
        # A version retired after the patient was asked: its open request can
        # still be answered on paper, as on the phone.
        asked = selectors.requests_open(patient).filter(instrument_id=int(chosen)).first()
        instrument = asked.instrument if asked else None
    if instrument is None:
        raise Http404("No such questionnaire in your clinic.")
    return instrument
