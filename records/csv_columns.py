"""What each column of the data-rights CSV files means: written into the ZIP as `columns.csv`,
so the files explain themselves wherever they end up. A test keeps it in step with the files'
headers (tests/test_csv_files.py).

Conventions of every file (clinic/csv_writer.py): a moment (a column ending in `_at`, and `at`)
is UTC to the second, `2026-03-08T14:05:09Z`; a date (`_on`, `date_of_birth`, `effective_from`,
`session_date`) is `2026-03-08`; a time of day is `07:30:00` in the clinic's zone; an empty cell
is "none" or "not recorded", never 0; booleans are `True` / `False`.
"""

from __future__ import annotations

_SIDE = {
    "cm": "distance in centimetres: 0 or more = the greatest toe-to-wall distance with the knee "
    "touching the wall; below 0 = the knee could not reach, the remaining gap; empty = could not "
    "reach and the gap was not measured",
    "reached": "True when the knee touched the wall",
    "tibia_angle_deg": "lunge angle: the tibia from vertical, degrees (below 0: leaning back); "
    "empty when not measured (an estimate from the distance is never stored)",
    "angle_method": "how the angle was measured: phone, inclinometer, goniometer, or unrecorded "
    "(recorded before Dorsi kept the method)",
    "angle_spread_deg": "a phone capture's spread of readings while it was taken, degrees",
    "heel_down": "True when the heel stayed down",
    "pain": "pain during the test, 0 (none) to 10 (worst)",
}
_SPINE = "full, limited or painful (empty: not screened)"

COLUMNS: dict[str, dict[str, str]] = {
    "patient.csv": {
        "patient_id": "Dorsi's number for the patient",
        "first_name": "First name",
        "last_name": "Last name",
        "date_of_birth": "Date of birth",
        "email": "Email address",
        "phone": "Phone number, E.164 (+13125550100)",
        "clinic": "The clinic's name",
        "primary_therapist": "The patient's primary therapist",
        "status": "active or discharged",
        "discharged_at": "When the patient was discharged",
        "anonymised_at": "When the patient was anonymised",
        "symptomatic_side": "Side of the sciatic symptoms: left, right, both or none",
        "reminder_channel": "How reminders are sent: email, sms or none",
        "reminder_consent": "True when the patient agreed to receive reminders",
        "reminder_consent_at": "When that consent was given",
        "exercise_reminder_time": "Time of day of the home-exercise reminder, clinic's zone",
        "preferred_language": "The language of the patient's pages and messages (empty: the "
        "clinic's)",
        "registered_at": "When the patient was registered in Dorsi",
        "exported_at": "When this export was made",
    },
    "assessments.csv": {
        "assessment_id": "Dorsi's number for the knee-to-wall test (one visit)",
        "kind": "clinic (a clinic test) or self_test (the patient's own, at home)",
        "revision": "1 for the values first entered; each correction adds the next number",
        "is_current": "True for the revision in force (the latest)",
        "measured_at": "When the test was done",
        "measured_by": "The therapist who measured (empty for a self-test)",
        "entry_unit": "The unit the values were entered in: cm or in",
        **{f"left_{column}": f"Left side: {meaning}" for column, meaning in _SIDE.items()},
        **{f"right_{column}": f"Right side: {meaning}" for column, meaning in _SIDE.items()},
        "feet_turned_out": "Compensation seen: feet turned out",
        "knees_in": "Compensation seen: knees in (hip internal rotation)",
        "anterior_pelvic_tilt": "Compensation seen: anterior pelvic tilt",
        "push_off_turn_out": "Compensation seen: the foot turns out at push-off",
        "symptomatic_side": "Side of the sciatic symptoms at this test: left, right, both or none",
        "lumbar_flexion": f"Lumbar forward bending: {_SPINE}",
        "lumbar_extension": f"Lumbar backward bending: {_SPINE}",
        "lumbar_side_bend_left": f"Lumbar side bending to the left: {_SPINE}",
        "lumbar_side_bend_right": f"Lumbar side bending to the right: {_SPINE}",
        "lumbar_rotation_left": f"Lumbar rotation to the left: {_SPINE}",
        "lumbar_rotation_right": f"Lumbar rotation to the right: {_SPINE}",
        "hip_notes": "The therapist's notes on the hip",
        "knee_notes": "The therapist's notes on the knee",
        "notes": "Notes (the patient's own for a self-test)",
        "recorded_by": "Who entered this revision (patient for a self-test)",
        "recorded_at": "When this revision was entered",
        "correction_reason": "Why the values were corrected (revisions after the first)",
    },
    "routines.csv": {
        "prescription_id": "Dorsi's number for the home-exercise routine",
        "title": "The routine's title",
        "version": "1 for the routine as first prescribed; each change adds the next number",
        "is_current": "True for the version in force",
        "effective_from": "Date from which this version applied",
        "ended_on": "Date the routine was ended (empty: still running)",
        "times_per_day": "Sessions a day",
        "days": "Days of the week: mon tue wed thu fri sat sun",
        "retest_on": "Date a re-test is due",
        "notes": "The therapist's notes for this version",
        "prescribed_by": "The therapist who prescribed this version",
        "position": "The exercise's place in the routine (1 first)",
        "exercise": "The exercise's name",
        "dose": "The dose in words",
        "seconds_per_bout": "Seconds per bout",
        "bouts": "Bouts per session",
        "per_side": "True when the dose is for each side",
        "style": "static (held) or in_and_out",
        "into_tension_seconds": "In-and-out style: seconds moving into tension",
        "ease_off_seconds": "In-and-out style: seconds easing off",
    },
    "sessions.csv": {
        "session_id": "Dorsi's number for the logged session",
        "session_date": "Date of the session",
        "slot": "Which session of that day (1 first)",
        "prescription_id": "The routine followed (routines.csv)",
        "version": "The routine's version followed",
        "done": "Exercises done",
        "partly": "Exercises partly done",
        "skipped": "Exercises skipped",
        "exercises": "Each exercise and its status: done, partly or skipped",
        "pain": "Pain afterwards, 0 (none) to 10 (worst)",
        "comment": "The patient's comment",
        "logged_by": "Who logged it: patient, or the member of staff",
        "logged_at": "When it was logged",
    },
    "appointments.csv": {
        "appointment_id": "Dorsi's number for the appointment",
        "starts_at": "When the appointment starts",
        "ends_at": "When it ends",
        "type": "The appointment type's name",
        "therapist": "The therapist",
        "status": "booked, cancelled, completed or no_show",
        "patient_response": "The patient's answer: confirmed, reschedule or empty (no answer)",
        "responded_at": "When the patient answered",
        "note": "Note on the appointment",
        "booked_by": "Who booked it",
        "booked_at": "When it was booked",
        "cancelled_at": "When it was cancelled",
    },
    "progress_reports.csv": {
        "report_id": "Dorsi's number for the progress report (one row per version)",
        "version": "1 for the first report of a period, 2 and on for its amendments",
        "amends_report_id": "The signed report this version amends; empty for a first version",
        "amendment_reason": "Why the signed report was amended",
        "status": "draft or signed (a signed report is never changed)",
        "period_start": "The first day the report covers (the clinic's calendar)",
        "period_end": "The last day the report covers (the clinic's calendar)",
        "drafted_at": "When Dorsi drafted the report",
        "drafted_by": "Who asked for the draft",
        "signed_at": "When the therapist signed it; empty for a draft",
        "signed_by": "The therapist who signed it",
        "goals": "The goals, in the therapist's words",
        "assessment": "The therapist's assessment",
        "plan": "The plan",
        "record_drafted": (
            "What Dorsi drafted from the record, as JSON, in the interpretation's own words"
        ),
    },
    "waitlist.csv": {
        "entry_id": "Dorsi's number for the waitlist entry",
        "added_at": "When the patient was put on the waitlist",
        "type": "The appointment type wanted",
        "therapist": "The therapist wanted (any: no preference)",
        "note": "Note on the entry",
        "booked_appointment_id": "The appointment booked from the entry (appointments.csv)",
        "removed_at": "When the entry was taken off the waitlist",
    },
    "reminders.csv": {
        "reminder_id": "Dorsi's number for the reminder",
        "kind": "appointment, booking, exercise, retest or digest",
        "channel": "email or sms",
        "due_at": "When it was due to be sent",
        "status": "pending, sending, sent, failed or cancelled",
        "attempts": "Sending attempts made",
        "sent_at": "When it was sent",
        "appointment_id": "The appointment it is about (appointments.csv)",
        "last_error": "The provider's last error, if sending failed",
    },
    "links.csv": {
        "kind": "personal link (sign-in link sent to the patient) or calendar feed",
        "created_at": "When it was issued",
        "created_by": "Who issued it",
        "expires_at": "When it stops working",
        "revoked_at": "When it was revoked",
        "last_opened_at": "When it was last opened",
    },
    "questionnaire_requests.csv": {
        "request_id": "Dorsi's number for the request to answer a questionnaire",
        "questionnaire": "The questionnaire's name",
        "version": "Its version",
        "reason": "Why it was asked: intake, before_retest, every_n_visits or ad_hoc",
        "requested_by": "The therapist who asked, or the clinic's schedule",
        "requested_at": "When it was asked",
        "due_on": "The day it was due, in the clinic's time zone",
        "message": "The therapist's word to the patient",
        "status": "open, completed or cancelled",
        "closed_at": "When it was answered or cancelled",
        "cancelled_by": "Who cancelled it",
    },
    "questionnaire_answers.csv": {
        "response_id": "Dorsi's number for the answers",
        "request_id": "The request answered (questionnaire_requests.csv)",
        "questionnaire": "The questionnaire's name",
        "version": "The version answered",
        "started_at": "When answering started",
        "completed_at": "When the answers were completed (empty: still in progress)",
        "entered_by": "patient, or the member of staff who entered paper answers",
        "total": "The score (empty: no valid score, e.g. too many questions unanswered; never 0 "
        "for missing answers)",
        "score_valid": "True when the answers have a valid score",
        "missing_items": "How many questions were left unanswered",
        "score_min": "The lowest possible score",
        "score_max": "The highest possible score",
        "better": "Which direction is better: lower or higher",
        "change_since_first": "Against the first valid score, by the minimal clinically "
        "important difference (MCID): improved, no_important_change, worse or not_comparable",
        "change_since_previous": "The same against the answers before",
        "answers": "Each question's id and the value chosen",
        "activities_named": "The activities the patient named and rated (PSFS), by question id",
    },
    "audit.csv": {
        "at": "When it happened",
        "who": "Who acted, by name",
        "role": "Their role (a staff role, patient or system)",
        "action": "read, list, create, update, delete, export or anonymise",
        "what": "What was acted on (patient, assessment, appointment, ...)",
        "object_id": "Dorsi's number for it",
        "fields": "The fields changed, for an update",
        "note": "More about the action",
    },
}
COLUMNS["neural_tests.csv"] = {
    "exam_id": "Dorsi's number for the sitting of neural tests",
    "measured_at": "When the tests were done",
    "measured_by": "The therapist who did them",
    "assessment_id": "The knee-to-wall visit they were done at (empty: alone)",
    "test": "slr (straight-leg raise) or slump",
    "side": "left or right",
    "symptoms": "slr: True when symptoms came on before the end of range; slump: True when "
    "the patient's symptoms were reproduced",
    "onset_angle_deg": "slr: hip flexion at symptom onset, degrees (empty: no symptoms)",
    "max_angle_deg": "slr without symptoms: the greatest angle reached, degrees",
    "angle_method": "phone, inclinometer, goniometer or estimated (approximate)",
    "angle_spread_deg": "a phone reading's spread over its capture window, degrees",
    "location": "slr: furthest the symptoms reached: back, buttock, thigh or below_knee",
    "bragard": "slr: ankle dorsiflexion at onset changed, unchanged or not_tested the symptoms",
    "hip_internal_rotation": "slr: hip internal rotation at onset: changed, unchanged or "
    "not_tested",
    "crossed": "slr: symptoms in the other leg: yes, no or not_tested",
    "neck_extension_eased": "slump: eased by neck extension: yes, no or not_tested",
    "finding": "What Dorsi concluded: positive, neural_atypical, not_neural, undifferentiated, "
    "not_eased or negative",
    "interpretation": "The finding in words, with its notes",
    "onset_change_since_first": "slr: change of onset angle since the first, in degrees (no "
    "MDC is known: not judged real or not)",
    "notes": "The therapist's notes",
    "recorded_by": "Who entered the record",
    "recorded_at": "When it was entered",
    "entered_in_error_at": "When it was marked entered in error (empty: valid)",
    "entered_in_error_reason": "Why it was marked entered in error",
}
COLUMNS["columns.csv"] = {
    "file": "A file of this export",
    "column": "A column of that file",
    "meaning": "What the column holds",
}


def columns_section() -> tuple[list[str], list[list[str]]]:
    """The dictionary itself, as a CSV file's header and rows."""
    return (
        list(COLUMNS["columns.csv"]),
        [
            [file, column, meaning]
            for file, columns in COLUMNS.items()
            for column, meaning in columns.items()
        ],
    )
