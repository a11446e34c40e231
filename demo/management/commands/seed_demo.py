"""Demo data: one clinic, its staff and thirty patients. Safe to run twice."""

import random
import uuid
from datetime import date, time, timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment, AssessmentKind, AssessmentRevision
from clinic import services
from clinic.models import (
    Clinic,
    LengthUnit,
    Patient,
    PatientAccessLink,
    ReminderChannel,
    Role,
    Side,
    User,
)
from clinic.times import at_local
from dashboard.summaries import patient_summaries_refresh
from exercises import services as exercise_services
from exercises.models import Prescription, RoutineTemplate
from neural import services as neural_services
from neural.models import NeuralExam
from questionnaires import services as questionnaire_services
from questionnaires.models import Instrument, QuestionnaireRequest, QuestionnaireResponse
from reminders.planning import reminders_plan
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus, WorkingHours

DEMO_PASSWORD = "dorsi-demo"  # noqa: S105 - printed for the demo, never used in production
DEMO_CLINIC = "Lakeside Physical Therapy"

STAFF = [
    ("maya", "Maya", "Okafor", Role.THERAPIST),
    ("daniel", "Daniel", "Reyes", Role.THERAPIST),
    ("priya", "Priya", "Natarajan", Role.THERAPIST),
    ("frontdesk", "Sam", "Lee", Role.FRONT_DESK),
    ("clinicadmin", "Jordan", "Blake", Role.CLINIC_ADMIN),
]

FIRST_NAMES = [
    "Alex",
    "Bianca",
    "Carlos",
    "Dana",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Imani",
    "Jonas",
    "Kara",
    "Luis",
    "Mei",
    "Nora",
    "Omar",
    "Paula",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Ben",
    "Chloe",
    "Dmitri",
    "Eve",
]
LAST_NAMES = [
    "Anders",
    "Baker",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nguyen",
    "Olsen",
    "Patel",
    "Quint",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Vargas",
    "Walsh",
    "Xu",
    "Young",
    "Zimmer",
    "Brooks",
    "Castro",
    "Dubois",
    "Ellis",
]


class Command(BaseCommand):
    help = "Create a demo clinic with staff and thirty patients (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=30)

    @transaction.atomic
    def handle(self, *args, patients: int, **options):
        clinic, _ = Clinic.objects.get_or_create(
            name=DEMO_CLINIC,
            defaults={
                "time_zone": "America/Chicago",
                "display_unit": LengthUnit.IN,
                # Patients' replies to a reminder go here (its Reply-To).
                "email": "frontdesk@lakeside.example",
                # No quiet hours in the demo, so that whoever tries it sees a reminder arrive
                # within minutes at any hour (a real clinic keeps the default 21:00-08:00).
                "quiet_hours_start": time(0),
                "quiet_hours_end": time(0),
            },
        )
        staff = {}
        for username, first, last, role in STAFF:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@lakeside.example",
                    "clinic": clinic,
                    "role": role,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            staff[username] = user

        therapists = [staff["maya"], staff["daniel"], staff["priya"]]
        rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not security
        created_count = 0
        for index in range(patients):
            first = FIRST_NAMES[index % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
            email = f"{first}.{last}.{index}@patients.example".lower()
            if Patient.objects.filter(clinic=clinic, email=email).exists():
                continue
            services.patient_create(
                clinic=clinic,
                created_by=staff["frontdesk"],
                first_name=first,
                last_name=last,
                date_of_birth=date(rng.randint(1945, 2004), rng.randint(1, 12), rng.randint(1, 28)),
                email=email,
                phone=f"+1 312 555 01{index:02d}",
                # The patient of the printed link gets email reminders: the one a new user
                # watches arrive in var/mail/.
                reminder_channel=ReminderChannel.EMAIL
                if index == 0
                else rng.choice([ReminderChannel.EMAIL, ReminderChannel.SMS]),
                reminder_consent=index == 0 or rng.random() < 0.8,
                primary_therapist=therapists[index % len(therapists)],
                symptomatic_side=rng.choice([Side.LEFT, Side.RIGHT, Side.BOTH, Side.NONE]),
            )
            created_count += 1

        assessed = self._seed_assessments(clinic, therapists, rng)
        sessions = self._seed_routines(clinic, rng)
        booked = self._seed_schedule(clinic, therapists, staff["frontdesk"], rng)
        answered = self._seed_questionnaires(clinic, therapists)
        self._registration_dates(clinic, rng)
        booked += self._seed_visits_attended(clinic, staff["frontdesk"])
        first_reminder = self._reminder_within_minutes(clinic)
        neural = self._seed_neural_tests(clinic)

        patient_summaries_refresh(
            patient_ids=list(Patient.objects.filter(clinic=clinic).values_list("pk", flat=True))
        )

        first_patient = Patient.objects.filter(clinic=clinic).order_by("id").first()
        link = None
        if first_patient is not None:
            link = PatientAccessLink.objects.usable().filter(patient=first_patient).first()
            if link is None:
                link = services.patient_link_issue(
                    patient=first_patient, issued_by=staff["frontdesk"]
                )

        self.stdout.write(self.style.SUCCESS(f"Demo clinic: {clinic.name} ({clinic.time_zone})"))
        self.stdout.write(f"  {created_count} patients created, {patients} in the demo set.")
        self.stdout.write(f"  {assessed} knee-to-wall tests recorded.")
        self.stdout.write(f"  {sessions} routine sessions logged.")
        self.stdout.write(f"  {booked} appointments booked.")
        self.stdout.write(f"  {answered} questionnaires answered.")
        self.stdout.write(f"  {neural} sittings of neural tests (SLR, slump) recorded.")
        self.stdout.write(f"  Staff logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, role in STAFF:
            self.stdout.write(f"    {username:<12} {first} {last}, {role.label}")
        self.stdout.write(
            "  clinicadmin signs in with a one-time code too: have an authenticator app ready "
            "(any TOTP app); the first sign-in shows the QR code to scan."
        )
        if link is not None:
            self.stdout.write(f"  Patient page of {first_patient.full_name} (no password):")
            self.stdout.write(f"    {services.patient_link_url(link)}")
        if first_reminder is not None:
            at = timezone.localtime(first_reminder, clinic.zone).strftime("%H:%M")
            self.stdout.write(
                f"  {first_patient.full_name}'s home-exercise reminder is due at {at} "
                f"({clinic.time_zone}): with the worker running it lands in var/mail/."
            )

    def _seed_assessments(self, clinic: Clinic, therapists: list[User], rng: random.Random) -> int:
        """Two to four knee-to-wall tests three weeks apart for patients who have none."""

        recorded = 0
        now = timezone.now()
        for index, patient in enumerate(Patient.objects.filter(clinic=clinic).order_by("id")):
            if Assessment.objects.filter(patient=patient).exists():
                continue
            therapist = patient.primary_therapist or therapists[0]
            visits = rng.randint(2, 4)
            left = rng.uniform(2.0, 4.8)  # inches, the clinic's unit
            right = left + rng.uniform(-0.9, 0.9)
            # The last test 3 to 30 days ago: re-tests fall due over the next weeks, some
            # already overdue, not all on one day.
            last_test_days_ago = rng.randint(3, 30)
            for visit in range(visits):
                days_ago = last_test_days_ago + 21 * (visits - 1 - visit) + rng.randint(0, 2)
                when = now - timedelta(days=days_ago, hours=rng.randint(1, 7))
                reached_left = left > 0.3
                data = {
                    "measured_at": when,
                    "left_reached": reached_left,
                    "left_distance": f"{left:.2f}" if reached_left else None,
                    "right_reached": True,
                    "right_distance": f"{max(right, 0.25):.2f}",
                    "left_pain": rng.randint(0, 4),
                    "right_pain": rng.randint(0, 4),
                    "feet_turned_out": left < 3.5,
                    "knees_in": rng.random() < 0.4,
                    "anterior_pelvic_tilt": rng.random() < 0.3,
                    "push_off_turn_out": left < 3,
                    "symptomatic_side": patient.symptomatic_side,
                    "lumbar_flexion": "limited" if visit == 0 else "full",
                    "lumbar_extension": "painful" if visit == 0 and index % 3 == 0 else "full",
                }
                if index % 2 == 0:
                    # Half the clinic measures the lunge angle too: the inclinometer at the
                    # first visit, the phone on the shin since (Bennell 1998: 1 cm ≈ 3.6°).
                    phone = visit > 0
                    for side, inches in (("left", left), ("right", right)):
                        degrees = min(max(inches * 2.54 * 3.6 + rng.uniform(-2, 2), -5), 65)
                        data[f"{side}_tibia_angle_deg"] = f"{degrees:.1f}"
                        data[f"{side}_angle_method"] = "phone" if phone else "inclinometer"
                        if phone:
                            data[f"{side}_angle_spread_deg"] = f"{rng.uniform(0.2, 0.9):.1f}"
                assessment_services.assessment_record(
                    patient=patient,
                    measured_by=therapist,
                    recorded_by=therapist,
                    unit="in",
                    data=data,
                )
                recorded += 1
                # Most patients loosen up with their calf routine; some do not.
                gain = rng.uniform(-0.2, 1.1) if index % 5 else rng.uniform(-0.6, 0.2)
                left += gain
                right += gain + rng.uniform(-0.2, 0.2)
            if index == 0:
                assessment_services.self_test_record(
                    patient=patient,
                    unit="in",
                    data={
                        "measured_at": now - timedelta(days=3),
                        "left_distance": f"{left:.2f}",
                        "right_distance": f"{right:.2f}",
                        "left_tibia_angle_deg": f"{min(left * 2.54 * 3.6, 65):.1f}",
                        "left_angle_method": "phone",
                        "left_angle_spread_deg": "0.6",
                    },
                )
                recorded += 1
        return recorded

    def _registration_dates(self, clinic: Clinic, rng: random.Random) -> None:
        """Each patient registered a few days before their first visit, not all "today"."""
        now = timezone.now()
        firsts = dict(
            Assessment.objects.filter(clinic=clinic, kind=AssessmentKind.CLINIC)
            .values("patient_id")
            .annotate(first=Min("revisions__measured_at"))
            .values_list("patient_id", "first")
        )
        recent = now - timedelta(hours=1)
        for patient in Patient.objects.filter(clinic=clinic, created_at__gte=recent):
            first = firsts.get(patient.pk) or now - timedelta(days=rng.randint(1, 20))
            registered = first - timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
            Patient.objects.filter(pk=patient.pk).update(created_at=registered)

    def _reminder_within_minutes(self, clinic: Clinic):
        """The demo patient's home-exercise reminder, a few minutes from now whatever the hour,
        planned at once rather than at the planner's next run; None if they have no routine."""
        patient = Patient.objects.filter(clinic=clinic).order_by("id").first()
        if patient is None or not Prescription.objects.filter(patient=patient).exists():
            return None
        local = timezone.localtime(timezone.now() + timedelta(minutes=3), clinic.zone)
        due = local.replace(second=0, microsecond=0) + timedelta(minutes=5 - local.minute % 5)
        if due.date() != local.date():
            due = local.replace(hour=23, minute=59, second=0, microsecond=0)
        Patient.objects.filter(pk=patient.pk).update(exercise_reminder_time=due.time())
        reminders_plan()
        return due

    def _seed_neural_tests(self, clinic: Clinic) -> int:
        """The first two patients' SLR and slump at each clinic visit: the symptomatic leg's
        SLR onset rising as the nerve settles, the other leg free of symptoms."""
        recorded = 0
        patients = Patient.objects.filter(clinic=clinic).order_by("id")[:2]
        for number, patient in enumerate(patients):
            if NeuralExam.objects.filter(patient=patient).exists():
                continue
            visits = AssessmentRevision.objects.current().filter(
                assessment__patient=patient, assessment__kind=AssessmentKind.CLINIC
            )
            sore, free = ("left", "right") if number == 0 else ("right", "left")
            for step, revision in enumerate(visits.order_by("measured_at")):
                onset = 38 + 14 * step + 3 * number
                differentiation = "changed" if onset <= 70 else "unchanged"
                results = [
                    {
                        "test": "slr",
                        "side": sore,
                        "symptoms": True,
                        "onset_angle_deg": str(onset),
                        "angle_method": "phone" if step else "inclinometer",
                        "angle_spread_deg": "0.4" if step else None,
                        "location": "below_knee" if step < 2 else "thigh",
                        "bragard": differentiation,
                        "hip_internal_rotation": "not_tested",
                        "crossed": "yes" if step == 0 and number == 0 else "no",
                    },
                    {
                        "test": "slr",
                        "side": free,
                        "symptoms": False,
                        "max_angle_deg": "85",
                        "angle_method": "estimated",
                        "crossed": "not_tested",
                    },
                    {
                        "test": "slump",
                        "side": sore,
                        "symptoms": step < 2,
                        "neck_extension_eased": "yes" if step < 2 else "",
                    },
                ]
                neural_services.neural_exam_record(
                    patient=patient,
                    measured_by=revision.measured_by,
                    recorded_by=revision.measured_by,
                    data={
                        "measured_at": revision.measured_at + timedelta(minutes=10),
                        "assessment": revision.assessment_id,
                        "results": results,
                    },
                )
                recorded += 1
        return recorded

    def _seed_routines(self, clinic: Clinic, rng: random.Random) -> int:
        """The starter calf routine, five weeks ago, for patients who have none; some logs."""

        template = RoutineTemplate.objects.filter(clinic__isnull=True).order_by("id").first()
        if template is None:
            return 0
        today = clinic.local_today()
        logged = 0
        for index, patient in enumerate(Patient.objects.filter(clinic=clinic).order_by("id")):
            if Prescription.objects.filter(patient=patient).exists():
                continue
            therapist = patient.primary_therapist
            # The routine's re-test follows the patient's last clinic test (the routine's own
            # date is what the due-list reads): due dates spread as the tests do.
            last_test = AssessmentRevision.objects.filter(
                assessment__patient=patient,
                assessment__kind=AssessmentKind.CLINIC,
                is_current=True,
            ).aggregate(last=Max("measured_at"))["last"]
            retest_on = (
                clinic.local_date(last_test) + timedelta(days=clinic.retest_interval_days)
                if last_test
                else None
            )
            version = exercise_services.routine_assign(
                patient=patient,
                prescribed_by=therapist,
                items=exercise_services.template_items(template),
                title=template.name,
                start_date=today - timedelta(days=35),
                retest_on=retest_on,
                template=template,
            )
            diligence = [0.95, 0.8, 0.6, 0.35, 0.1][index % 5]
            items = list(version.items.all())
            for days_ago in range(35, 0, -1):
                if rng.random() > diligence:
                    continue
                exercise_services.session_log_record(
                    patient=patient,
                    version=version,
                    client_token=uuid.UUID(int=rng.getrandbits(128)),
                    statuses={
                        item.pk: rng.choice(["done", "done", "done", "partly", "skipped"])
                        for item in items
                    },
                    session_date=today - timedelta(days=days_ago),
                    pain=rng.randint(0, 6) if index % 7 else rng.randint(5, 9),
                )
                logged += 1
        return logged

    def _seed_schedule(self, clinic: Clinic, therapists: list[User], desk: User, rng) -> int:
        """Weekday hours 8:00-17:00, and a week of follow-ups for a third of the patients."""

        for therapist in therapists:
            if not WorkingHours.objects.filter(therapist=therapist).exists():
                WorkingHours.objects.bulk_create(
                    WorkingHours(therapist=therapist, weekday=day, starts=time(8), ends=time(17))
                    for day in range(5)
                )
        types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
        if Appointment.objects.filter(clinic=clinic).exists():
            return 0
        today = clinic.local_today()
        booked = 0
        patients = list(Patient.objects.filter(clinic=clinic).order_by("id"))
        # Every other patient: their primary therapists are all three, not one.
        for index, patient in enumerate(patients[::2]):
            therapist = patient.primary_therapist
            day = today + timedelta(days=1 + index % 6)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            starts = at_local(day, time(9 + index % 7, 30 * (index % 2)), clinic.zone)
            try:
                scheduling_services.appointment_book(
                    patient=patient,
                    therapist=therapist,
                    appointment_type=types[AppointmentKind.FOLLOW_UP],
                    starts_at=starts,
                    booked_by=desk,
                )
                booked += 1
            except ValidationError:
                continue
        # Two past visits that were missed: they show on the due-list to rebook.
        for patient in patients[1:3]:
            starts = at_local(today - timedelta(days=3), time(10), clinic.zone)
            Appointment.objects.create(
                clinic=clinic,
                patient=patient,
                therapist=patient.primary_therapist,
                appointment_type=types[AppointmentKind.FOLLOW_UP],
                starts_at=starts,
                ends_at=starts + timedelta(minutes=30),
                status=AppointmentStatus.NO_SHOW,
                booked_by=desk,
            )
            booked += 1
        # The missed visits went in around the services: the due-list reads them from the rows.
        scheduling_services.patient_appointments_refresh(patient_ids=[p.pk for p in patients[1:3]])
        return booked

    def _seed_visits_attended(self, clinic: Clinic, desk: User) -> int:
        """Visits attended since registering: ten for the first patient, so a progress report
        is due, and eight for the fourth, so one is due soon (reports.due); spread between
        their registration and yesterday."""
        (follow_up,) = [
            kind
            for kind in scheduling_services.appointment_types_ensure(clinic=clinic)
            if kind.kind == AppointmentKind.FOLLOW_UP
        ]
        patients = list(Patient.objects.filter(clinic=clinic).order_by("id"))
        if (
            len(patients) < 4
            or Appointment.objects.filter(
                clinic=clinic, status=AppointmentStatus.COMPLETED
            ).exists()
        ):
            return 0
        today = clinic.local_today()
        made = 0
        for patient, visits, hour in ((patients[0], 10, 11), (patients[3], 8, 14)):
            first = clinic.local_date(patient.created_at) + timedelta(days=1)
            span = max((today - first).days, visits)
            for index in range(visits):
                day = first + timedelta(days=span * index // visits)
                starts = at_local(day, time(hour), clinic.zone)
                Appointment.objects.create(
                    clinic=clinic,
                    patient=patient,
                    therapist=patient.primary_therapist,
                    appointment_type=follow_up,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=30),
                    status=AppointmentStatus.COMPLETED,
                    booked_by=desk,
                )
                made += 1
        scheduling_services.patient_appointments_refresh(
            patient_ids=[patients[0].pk, patients[3].pk]
        )
        return made

    def _seed_questionnaires(self, clinic: Clinic, therapists: list[User]) -> int:
        """Back pain, leg pain (for patients with sciatic symptoms) and the LEFS or the PSFS,
        answered in the waiting room before each clinic knee-to-wall test (entered from paper,
        through the service, so every score is the engine's), following the ankle: the
        patients whose ankle does not loosen (every fifth, as in _seed_assessments) do not get
        better, some whose ankle does still have their back pain; one open request on the
        first patient's page, one overdue."""

        rng = random.Random(2015)  # noqa: S311 - reproducible demo data, not security
        instruments = {
            instrument.slug: instrument
            for instrument in Instrument.objects.filter(clinic__isnull=True, is_active=True)
        }
        if not {"nprs-back", "nprs-leg", "lefs", "psfs"} <= set(instruments):
            return 0
        answered = 0
        patients = list(Patient.objects.filter(clinic=clinic).order_by("id"))
        for index, patient in enumerate(patients):
            if QuestionnaireResponse.objects.filter(patient=patient).exists():
                continue
            tests = list(
                AssessmentRevision.objects.current()
                .filter(assessment__patient=patient, assessment__kind=AssessmentKind.CLINIC)
                .order_by("measured_at")
                .values_list("measured_at", flat=True)
            )
            therapist = patient.primary_therapist or therapists[0]
            if index % 5 == 0:  # the ankle does not loosen: neither does the pain
                back_step, leg_step, function_step = -0.6, -0.3, -0.5
            elif index % 4 == 1:  # the ankle loosens, the back pain stays
                back_step, leg_step, function_step = 0.3, 1.0, 0.6
            else:
                back_step, leg_step, function_step = (
                    rng.uniform(1.0, 2.2),
                    rng.uniform(0.8, 2.0),
                    rng.uniform(0.8, 1.6),
                )
            back, leg = rng.uniform(5, 8), rng.uniform(3, 7)
            function = rng.uniform(0.35, 0.6)  # share of the scale: LEFS or PSFS
            use_psfs = index % 3 == 0
            for visit, measured_at in enumerate(tests):
                answers = [("nprs-back", {"worst-24h": _pain(back - visit * back_step)}, {})]
                if patient.symptomatic_side != Side.NONE:
                    answers.append(("nprs-leg", {"worst-24h": _pain(leg - visit * leg_step)}, {}))
                share = min(max(function + visit * function_step * 0.12, 0.05), 0.95)
                answers.append(_psfs_answers(share) if use_psfs else _lefs_answers(share))
                for slug, values, labels in answers:
                    questionnaire_services.response_enter_from_paper(
                        entered_by=therapist,
                        patient=patient,
                        instrument=instruments[slug],
                        answers=values,
                        item_labels=labels,
                        submission_key=uuid.UUID(int=rng.getrandbits(128)),
                        completed_at=measured_at - timedelta(minutes=30),
                    )
                    answered += 1
        self._seed_open_requests(clinic, patients[:2], instruments)
        return answered

    def _seed_open_requests(self, clinic: Clinic, patients: list[Patient], instruments) -> None:
        """The first patient is asked for their back pain before the next re-test; the second
        was asked for the PSFS ten days ago and it is now three days overdue (the request is
        made through the service, then dated back: the service refuses a date in the past)."""

        if QuestionnaireRequest.objects.filter(clinic=clinic, status="open").exists():
            return
        for patient, slug, overdue in zip(
            patients, ("nprs-back", "psfs"), (False, True), strict=False
        ):
            if not patient.is_active or patient.primary_therapist is None:
                continue
            request = questionnaire_services.request_create(
                patient=patient,
                instrument=instruments[slug],
                requested_by=patient.primary_therapist,
                reason="before_retest" if not overdue else "ad_hoc",
                message="Before your next knee-to-wall test: it takes a minute.",
            )
            if overdue:
                QuestionnaireRequest.objects.filter(pk=request.pk).update(
                    requested_at=timezone.now() - timedelta(days=10),
                    due_on=clinic.local_today() - timedelta(days=3),
                )


def _pain(value: float) -> int:
    return min(max(round(value), 0), 10)


def _lefs_answers(share: float) -> tuple[str, dict[str, int], dict[str, str]]:
    """Twenty answers (0-4) whose total is `share` of 80."""
    total = round(share * 80)
    return (
        "lefs",
        {f"lefs-{n}": min(4, total // 20 + (1 if n <= total % 20 else 0)) for n in range(1, 21)},
        {},
    )


PSFS_ACTIVITIES = ("Walking the dog", "Sitting through a film", "Gardening")


def _psfs_answers(share: float) -> tuple[str, dict[str, int], dict[str, str]]:
    """Three activities the patient named, rated about `share` of 10."""
    base = share * 10
    values = [min(10, max(0, round(base + offset))) for offset in (-1, 0, 1)]
    return (
        "psfs",
        {f"activity-{n}": value for n, value in enumerate(values, start=1)},
        {f"activity-{n}": name for n, name in enumerate(PSFS_ACTIVITIES, start=1)},
    )
