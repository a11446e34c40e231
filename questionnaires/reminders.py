"""The questionnaire reminder: one message per open request, telling the patient that their
clinic has a questionnaire for them on their page (/me/) and by when, nothing clinical (no
instrument, no instructions, no therapist's word: those are on /me/); never sent once the
request is answered or cancelled.

Found by the reminders app when Django is ready (reminders/handlers.py), which sends it through
the outbox (consent, channel, quiet hours, the opt-out link are the outbox's).

The key names the request (`questionnaire:<patient>:<request>:<channel>`), so a request is
reminded once however often the planner runs; a request already reminded by one channel is not
reminded again by another when the patient changes channel.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from clinic.models import Patient, ReminderChannel
from clinic.times import at_local, local_date_text
from questionnaires.models import QuestionnaireRequest, RequestStatus
from questionnaires.services import instrument_enabled
from reminders.handlers import Link, Message, ReminderHandler, reminder_handler
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.planning import patient_reminder, reminders_upsert

# A request due within this many days is reminded as soon as it is made; one due later waits
# until then, at REMIND_AT local time, so the reminder comes when answering is near.
REMIND_DAYS_BEFORE_DUE = 7
REMIND_AT = time(10)


def reminder_key(patient_id: int, request_id: int, channel: str) -> str:
    """As reminders.planning.patient_reminder writes it, the request as the slot."""
    return f"{ReminderKind.QUESTIONNAIRE}:{patient_id}:{request_id}:{channel}"


def _request_id(reminder: Reminder) -> int:
    return int(reminder.key.split(":")[2])


def reminder_moment(request: QuestionnaireRequest, patient: Patient) -> datetime:
    """When the request's reminder is due: when it was made, or REMIND_DAYS_BEFORE_DUE before
    its due date at REMIND_AT, whichever is later. Fixed by the request, so planning again
    never re-times it (the outbox then moves it out of quiet hours)."""
    before_due = at_local(
        request.due_on - timedelta(days=REMIND_DAYS_BEFORE_DUE), REMIND_AT, patient.clinic.zone
    )
    return max(request.requested_at, before_due)


@reminder_handler
class QuestionnaireReminders(ReminderHandler):
    kinds = (ReminderKind.QUESTIONNAIRE,)

    def plan_for_patients(
        self, patients: list[tuple[Patient, str]], *, now: datetime, days_ahead: int
    ) -> int:
        """Two queries for the chunk, then the reminders to plan written together."""
        by_id = {patient.pk: (patient, channel) for patient, channel in patients}
        open_requests = list(
            QuestionnaireRequest.objects.filter(
                patient_id__in=by_id, status=RequestStatus.OPEN
            ).order_by("pk")
        )
        open_ids = {request.pk for request in open_requests}
        reminded: set[int] = set()
        stale: list[int] = []
        # The pending ones, and those of the open requests by any channel: never the whole
        # history of a patient's reminders.
        keys_of_open = [
            reminder_key(request.patient_id, request.pk, channel)
            for request in open_requests
            for channel in (ReminderChannel.EMAIL, ReminderChannel.SMS)
        ]
        for reminder in Reminder.objects.filter(
            Q(status=ReminderStatus.PENDING)
            | Q(key__in=keys_of_open, status__in=[ReminderStatus.SENDING, ReminderStatus.SENT]),
            kind=ReminderKind.QUESTIONNAIRE,
            patient_id__in=by_id,
        ).only("pk", "key", "status"):
            request_id = _request_id(reminder)
            if request_id not in open_ids and reminder.status == ReminderStatus.PENDING:
                stale.append(reminder.pk)
            elif reminder.status != ReminderStatus.PENDING:
                reminded.add(request_id)  # sent, or being sent: once is enough
        if stale:
            # Answered or cancelled since it was planned: the patient's page shows it so now,
            # not when it falls due (the sweep would cancel it then anyway).
            Reminder.objects.filter(pk__in=stale, status=ReminderStatus.PENDING).update(
                status=ReminderStatus.CANCELLED,
                last_error="The questionnaire was answered or cancelled.",
            )
        rows = []
        for request in open_requests:
            patient, channel = by_id[request.patient_id]
            moment = reminder_moment(request, patient)
            if request.pk in reminded or moment > now + timedelta(days=days_ahead):
                continue
            rows.append(
                patient_reminder(
                    patient=patient,
                    channel=channel,
                    kind=ReminderKind.QUESTIONNAIRE,
                    slot=str(request.pk),
                    moment=moment,
                )
            )
        return reminders_upsert(rows)

    def why_not(self, reminder: Reminder, now: datetime) -> str | None:
        request = (
            QuestionnaireRequest.objects.filter(pk=_request_id(reminder))
            .select_related("instrument")
            .first()
        )
        if request is None:
            return "The questionnaire request is gone."
        if request.status == RequestStatus.COMPLETED:
            return "The questionnaire was already answered."
        if request.status == RequestStatus.CANCELLED:
            return "The questionnaire was cancelled."
        if not instrument_enabled(request.clinic_id, request.instrument):
            return "The clinic turned this questionnaire off."
        return None

    def message(self, reminder: Reminder) -> Message:
        # Nothing clinical: an email or a text can be read by others (a shared inbox, a locked
        # phone's preview). The instrument, what it is for and the therapist's word are on the
        # patient's page only, behind their personal link; as the exercise reminder.
        request = QuestionnaireRequest.objects.only("due_on").get(pk=_request_id(reminder))
        region = reminder.clinic.phone_region
        link = settings.SITE_URL + reverse("questionnaire-answer", args=[request.pk])
        return Message(
            _("A short questionnaire for you"),
            _(
                "Your clinic has a short questionnaire for you on your page (open it with your "
                "personal link). Please answer by %(due)s."
            )
            % {"due": local_date_text(request.due_on, region=region)},
            links=(Link(_("Open the questionnaire"), link, _("Your page")),),
            sms=_("a short questionnaire for you, by %(due)s.")
            % {"due": local_date_text(request.due_on, region=region, short=True)},
        )
