"""The shared exercise library and the starter calf routine, from the clinical brief.

The data lives here, not in application code, so that the migration keeps producing the same
rows whatever the code becomes. Doses follow the brief: 90 s to 2 min, the runner's stretch in
and out of tension (10 s into tension, 5 s easing off).
"""

from django.db import migrations

EXERCISES = [
    {
        "slug": "runners-calf-stretch",
        "name": "Runner's calf stretch, in and out of tension",
        "purpose": (
            "Lengthens the calf (gastrocnemius) to free up ankle dorsiflexion. Moving in and out "
            "of tension, rather than holding still, keeps the muscle working: a sustained "
            "stretch can reduce muscle activity."
        ),
        "instructions": (
            "Stand facing a wall with both hands on it at shoulder height.\n"
            "Step one foot back, toes pointing straight at the wall, heel down.\n"
            "Keep the back knee straight and bend the front knee.\n"
            "Lean in until you feel a stretch in the back calf: that is into tension.\n"
            "Ease off a little, then lean in again, in a slow, steady rhythm.\n"
            "Change legs when the timer tells you to."
        ),
        "cues": (
            "Back heel stays on the floor\n"
            "Toes point straight ahead, not out\n"
            "Move slowly, no bouncing\n"
            "A strong stretch, never sharp pain"
        ),
        "seconds_per_bout": 120,
        "bouts": 1,
        "per_side": True,
        "style": "in_and_out",
        "into_tension_seconds": 10,
        "ease_off_seconds": 5,
        "picture": "img/exercises/runners-calf-stretch.svg",
    },
    {
        "slug": "calf-roll-foam-roller",
        "name": "Calf rolling with a foam roller",
        "purpose": (
            "Eases a tight calf before stretching. Over six weeks, foam rolling does about as "
            "well as static stretching; 90 s to 2 min is the sweet spot for change."
        ),
        "instructions": (
            "Sit on the floor with the foam roller under one calf, hands on the floor behind "
            "you.\n"
            "Lift your hips so the calf takes your weight; cross the other leg on top for more.\n"
            "Roll slowly from just above the ankle to just below the knee.\n"
            "Stop on a tender spot for a few breaths, then carry on.\n"
            "Turn the foot in and out to reach the inner and outer calf."
        ),
        "cues": "Slow strokes\nBreathe out on tender spots\nTender is fine, sharp pain is not",
        "seconds_per_bout": 90,
        "bouts": 1,
        "per_side": True,
        "style": "static",
        "picture": "img/exercises/calf-roll-foam-roller.svg",
    },
    {
        "slug": "calf-roll-lacrosse-ball",
        "name": "Calf rolling with a lacrosse ball",
        "purpose": (
            "A firmer, more precise release than the foam roller for the tightest spots of the "
            "calf."
        ),
        "instructions": (
            "Sit on the floor with a lacrosse ball under one calf.\n"
            "Use your hands and the other leg to set how much weight goes onto the ball.\n"
            "Roll in small strokes up and down the calf, and across it.\n"
            "On a tight spot, point and flex the foot slowly a few times."
        ),
        "cues": "Small strokes\nLet the calf relax onto the ball\nEase off if it tingles or burns",
        "seconds_per_bout": 90,
        "bouts": 1,
        "per_side": True,
        "style": "static",
        "picture": "img/exercises/calf-roll-lacrosse-ball.svg",
    },
    {
        "slug": "hip-stretch",
        "name": "Hip stretch (moves the hip, not the spine)",
        "purpose": (
            "Opens the front of the hip with the most motion at the hip and the least at the "
            "low back, so a forward-tipped pelvis is not pushed further."
        ),
        "instructions": (
            "Kneel on one knee, the other foot flat in front of you, on a cushion if needed.\n"
            "Tuck your tailbone under and squeeze the buttock of the kneeling side.\n"
            "Keep your chest tall and shift your weight gently forward until the front of the "
            "hip stretches.\n"
            "Keep the low back still: the movement comes from the hip."
        ),
        "cues": "Tailbone tucked\nRibs down, back still\nGentle shift, no arching",
        "seconds_per_bout": 90,
        "bouts": 1,
        "per_side": True,
        "style": "static",
        "picture": "img/exercises/hip-stretch.svg",
    },
    {
        "slug": "soleus-stretch",
        "name": "Bent-knee (soleus) calf stretch",
        "purpose": (
            "Stretches the deeper calf muscle (soleus), which a straight-knee stretch misses and "
            "which limits the knee-to-wall test."
        ),
        "instructions": (
            "Stand facing a wall, one foot back, toes pointing straight ahead.\n"
            "Bend both knees and sink down, keeping the back heel on the floor.\n"
            "Feel the stretch low in the back calf, near the Achilles tendon.\n"
            "Ease off a little, then sink again, in a slow rhythm."
        ),
        "cues": "Back heel down\nBend the back knee\nStretch low in the calf",
        "seconds_per_bout": 90,
        "bouts": 1,
        "per_side": True,
        "style": "in_and_out",
        "into_tension_seconds": 10,
        "ease_off_seconds": 5,
        "picture": "img/exercises/soleus-stretch.svg",
    },
    {
        "slug": "knee-to-wall-mobilisation",
        "name": "Knee-to-wall mobilisation",
        "purpose": (
            "Rehearses the exact movement the knee-to-wall test measures: the knee travelling "
            "forward over the toes with the heel down."
        ),
        "instructions": (
            "Stand facing a wall in a small lunge, front toe a few centimetres from the wall.\n"
            "Keep the front heel down and drive the knee forward towards the wall.\n"
            "Aim the knee over the second toe, not inwards.\n"
            "Come back, then repeat in a steady rhythm."
        ),
        "cues": "Heel down\nKnee over the second toe\nSmooth, steady rhythm",
        "seconds_per_bout": 60,
        "bouts": 2,
        "per_side": True,
        "style": "in_and_out",
        "into_tension_seconds": 3,
        "ease_off_seconds": 2,
        "picture": "img/exercises/knee-to-wall-mobilisation.svg",
    },
    {
        "slug": "knee-to-wall-self-test",
        "name": "Knee-to-wall self-test",
        "purpose": "Track your own progress between visits with the test your clinic uses.",
        "instructions": (
            "Face a wall with your big toe pointing at it, the other leg back.\n"
            "Keep the heel down and bring the knee forward to touch the wall.\n"
            "If it touches, move the foot back a little and try again.\n"
            "Measure the greatest toe-to-wall distance at which the knee still touches.\n"
            "Record it on your page under 'Do the self-test'."
        ),
        "cues": "Heel stays down\nFoot in line with the tape\nMeasure to the big toe",
        "seconds_per_bout": 60,
        "bouts": 1,
        "per_side": True,
        "style": "static",
        "picture": "img/exercises/knee-to-wall-self-test.svg",
    },
]

STARTER = {
    "name": "Calf routine — starter",
    "description": (
        "Roll each calf for 90 s, runner's stretch in and out of tension for 2 min per side, "
        "hip stretch for 90 s per side. About 10 minutes, daily."
    ),
    "items": [
        ("calf-roll-foam-roller", {}),
        ("runners-calf-stretch", {}),
        ("hip-stretch", {}),
    ],
}


def seed(apps, schema_editor):
    Exercise = apps.get_model("exercises", "Exercise")
    RoutineTemplate = apps.get_model("exercises", "RoutineTemplate")
    RoutineTemplateItem = apps.get_model("exercises", "RoutineTemplateItem")
    by_slug = {}
    for data in EXERCISES:
        exercise, _ = Exercise.objects.update_or_create(
            clinic=None, slug=data["slug"], defaults=data
        )
        by_slug[exercise.slug] = exercise
    template, created = RoutineTemplate.objects.get_or_create(
        clinic=None, name=STARTER["name"], defaults={"description": STARTER["description"]}
    )
    if created:
        dose_fields = (
            "seconds_per_bout", "bouts", "per_side", "style", "into_tension_seconds",
            "ease_off_seconds",
        )
        for position, (slug, overrides) in enumerate(STARTER["items"], start=1):
            exercise = by_slug[slug]
            dose = {field: getattr(exercise, field) for field in dose_fields}
            dose.update(overrides)
            RoutineTemplateItem.objects.create(
                template=template, exercise=exercise, position=position, **dose
            )


class Migration(migrations.Migration):
    dependencies = [("exercises", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
