"""The clinician's daily digest: one email a day at the clinic's digest time, listing the
patients the dashboard flags. Found by the reminders app when Django is ready
(reminders/handlers.py), which sends it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clinic.models import ReminderChannel, User
from clinic.times import at_local
from dashboard.summaries import digest_lines
from reminders.handlers import Message, ReminderHandler, reminder_handler
from reminders.models import Reminder, ReminderKind
from reminders.planning import PlannedReminder, reminders_upsert


@reminder_handler
class DigestReminders(ReminderHandler):
    kinds = (ReminderKind.DIGEST,)

    def plan_for_staff(self, staff: list[User], *, now: datetime) -> int:
        rows = []
        for person in staff:
            clinic = person.clinic
            today = clinic.local_today(now)
            due_at = at_local(today, clinic.digest_time, clinic.zone)
            if due_at <= now:
                due_at = at_local(today + timedelta(days=1), clinic.digest_time, clinic.zone)
            rows.append(
                PlannedReminder(
                    key=f"digest:{person.pk}:{clinic.local_date(due_at).isoformat()}:email",
                    due_at=due_at,
                    kind=ReminderKind.DIGEST,
                    clinic_id=person.clinic_id,
                    channel=ReminderChannel.EMAIL,
                    staff_id=person.pk,
                )
            )
        reminders_upsert(rows)
        return len(staff)

    def message(self, reminder: Reminder) -> Message:
        lines = digest_lines(therapist=reminder.staff)
        text = "\n".join(lines) if lines else _("No patient needs your attention today.")
        subject = ngettext(
            "Dorsi: your patients today (%(count)s flagged)",
            "Dorsi: your patients today (%(count)s flagged)",
            len(lines),
        ) % {"count": len(lines)}
        return Message(subject, text)
