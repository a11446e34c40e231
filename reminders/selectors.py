from __future__ import annotations

from clinic.models import TaskProgress
from clinic.selectors import tasks_out_of_time
from reminders.models import Reminder, ReminderStatus
from reminders.planning import PLAN_TASK


def failed_deliveries(*, clinic_id: int, limit: int = 200):
    """Patient reminders that did not go out, newest first: the front desk phones instead."""
    return (
        Reminder.objects.filter(
            clinic_id=clinic_id, status=ReminderStatus.FAILED, patient__isnull=False
        )
        .select_related("patient", "appointment")
        .order_by("-due_at")[:limit]
    )


def planner_out_of_time() -> TaskProgress | None:
    """The planner's record when it ran out of time and has not finished since: until it
    does, some reminders are not planned yet."""
    return next((task for task in tasks_out_of_time() if task.name == PLAN_TASK), None)
