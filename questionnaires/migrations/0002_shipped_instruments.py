"""The outcome questionnaires Dorsi ships: those whose terms allow reproduction in open-source
software (clinical brief, "Outcome questionnaires (back and leg)").

Shipped: pain intensity 0–10 (NPRS) for the low back and for the leg, the Patient-Specific
Functional Scale and the Lower Extremity Functional Scale. Not shipped: the Oswestry Disability
Index (licensed by its owner, Mapi Research Trust) and the Roland-Morris Disability
Questionnaire (its current terms were not confirmed), nor the Keele STarT Back tool (Keele
University's terms; a stratification, not a change score). A clinic that holds a licence adds
such an instrument as data (the admin, questionnaires/admin.py).

The data lives here, not in application code, so that the migration keeps producing the same
rows whatever the code becomes. The wording of the NPRS and PSFS questions is Dorsi's own.
"""

from django.db import migrations

NPRS_OPTIONS = [
    {"value": value, "label": {0: "No pain", 10: "Worst pain imaginable"}.get(value, "")}
    for value in range(11)
]

NPRS_MCID = {
    "mcid_rule": "either",
    "mcid_absolute": "2",
    "mcid_relative_percent": "30",
    "mcid_source": (
        "2 points (Childs 2005, low back pain) or 30 % (Farrar 2001), as the clinical brief "
        "gives them; whichever is reached. A clinic can set its own."
    ),
}

NPRS_COMMON = {
    "version": "1",
    "scoring_method": "sum",
    "score_min": "0",
    "score_max": "10",
    "better": "lower",
    "missing_items_allowed": 0,
    "scoring_source": (
        "One 0–10 rating: the score is the number chosen. The worst pain of the last 24 hours "
        "is asked rather than the pain now, because a patient answers on a phone at any hour "
        "and the worst of the day does not depend on when. Unanswered: no score."
    ),
    "source": (
        "11-point numeric pain rating scale (0–10). MCID: Childs JD, Piva SR, Fritz JM. "
        "Responsiveness of the numeric pain rating scale in patients with low back pain. "
        "Spine 2005;30(11):1331–1334. Farrar JT, Young JP, LaMoreaux L, Werth JL, Poole RM. "
        "Clinical importance of changes in chronic pain intensity measured on an 11-point "
        "numerical pain rating scale. Pain 2001;94(2):149–158."
    ),
    "licence_terms": (
        "Free (clinical brief): a 0–10 rating scale is a generic format that no one licenses. "
        "The wording of the question is Dorsi's own, under Dorsi's licence (Apache-2.0)."
    ),
    **NPRS_MCID,
}

PSFS_ANCHORS = {
    0: "Unable to perform the activity",
    10: "Able to perform the activity at the same level as before the problem",
}

LEFS_OPTIONS = [
    {"value": 0, "label": "Extreme difficulty or unable to perform activity"},
    {"value": 1, "label": "Quite a bit of difficulty"},
    {"value": 2, "label": "Moderate difficulty"},
    {"value": 3, "label": "A little bit of difficulty"},
    {"value": 4, "label": "No difficulty"},
]

LEFS_ACTIVITIES = [
    "Any of your usual work, housework or school activities.",
    "Your usual hobbies, recreational or sporting activities.",
    "Getting into or out of the bath.",
    "Walking between rooms.",
    "Putting on your shoes or socks.",
    "Squatting.",
    "Lifting an object, like a bag of groceries, from the floor.",
    "Performing light activities around your home.",
    "Performing heavy activities around your home.",
    "Getting into or out of a car.",
    "Walking 2 blocks.",
    "Walking a mile.",
    "Going up or down 10 stairs (about 1 flight of stairs).",
    "Standing for 1 hour.",
    "Sitting for 1 hour.",
    "Running on even ground.",
    "Running on uneven ground.",
    "Making sharp turns while running fast.",
    "Hopping.",
    "Rolling over in bed.",
]

INSTRUMENTS = [
    {
        **NPRS_COMMON,
        "slug": "nprs-back",
        "name": "Numeric Pain Rating Scale — low-back pain",
        "short_name": "NPRS back",
        "measures": (
            "Low-back pain intensity: the worst in the last 24 hours, from 0 (no pain) to 10 "
            "(worst pain imaginable). Lower is better."
        ),
        "instructions": (
            "One question about your back pain. Your answers show you and your therapist "
            "whether your back pain changes as your treatment goes on. Think of the last 24 "
            "hours and choose one number."
        ),
        "items": [
            {
                "id": "worst-24h",
                "text": "How bad was your low-back pain at its worst in the last 24 hours?",
                "options": NPRS_OPTIONS,
            }
        ],
    },
    {
        **NPRS_COMMON,
        "slug": "nprs-leg",
        "name": "Numeric Pain Rating Scale — leg pain",
        "short_name": "NPRS leg",
        "measures": (
            "Leg (sciatic) pain intensity: the worst in the last 24 hours, from 0 (no pain) to "
            "10 (worst pain imaginable). Lower is better."
        ),
        "instructions": (
            "One question about the pain in your leg. Your answers show you and your therapist "
            "whether your leg pain changes as your treatment goes on. Think of the last 24 hours "
            "and choose one number."
        ),
        "items": [
            {
                "id": "worst-24h",
                "text": (
                    "How bad was the pain in your leg (sciatic pain) at its worst in the last "
                    "24 hours?"
                ),
                "options": NPRS_OPTIONS,
            }
        ],
    },
    {
        "slug": "psfs",
        "version": "1",
        "name": "Patient-Specific Functional Scale",
        "short_name": "PSFS",
        "measures": (
            "How well the patient does three to five activities they name themselves, each "
            "from 0 (unable) to 10 (as before the problem); the score is the mean. Higher is "
            "better."
        ),
        "instructions": (
            "Name three to five important activities that you cannot do, or find hard to do, "
            "because of your back or leg problem, and rate how well you can do each one today. "
            "Next time you will rate the same activities, so that you and your therapist can "
            "see what has changed."
        ),
        "items": [
            {
                "id": f"activity-{number}",
                "text": f"Activity {number}: name it, then rate how well you can do it today.",
                "options": [
                    {"value": value, "label": PSFS_ANCHORS.get(value, "")}
                    for value in range(11)
                ],
                "asks_for_label": True,
            }
            for number in range(1, 6)
        ],
        "scoring_method": "mean",
        "score_min": "0",
        "score_max": "10",
        "better": "higher",
        "missing_items_allowed": 2,
        "scoring_source": (
            "Stratford 1995: the mean of the activities' ratings. Three to five activities "
            "(clinical brief): five places, at least three rated, the mean over those rated."
        ),
        "mcid_rule": "absolute",
        "mcid_absolute": "2",
        "mcid_relative_percent": None,
        "mcid_source": (
            "About 2 points on the mean (Stratford 1995); 1.3 for a small to 2.7 for a large "
            "change (Abbott & Schmitt 2014)."
        ),
        "source": (
            "Stratford P, Gill C, Westaway M, Binkley J. Assessing disability and change on "
            "individual patients: a report of a patient specific measure. Physiotherapy Canada "
            "1995;47(4):258–263. MCID range: Abbott JH, Schmitt JS. Minimum important "
            "differences for the Patient-Specific Functional Scale, 4 region-specific outcome "
            "measures, and the Numeric Pain Rating Scale. J Orthop Sports Phys Ther "
            "2014;44(8):560–564."
        ),
        "licence_terms": (
            "Free (clinical brief). The wording of the instructions and anchors is Dorsi's own, "
            "under Dorsi's licence (Apache-2.0)."
        ),
    },
    {
        "slug": "lefs",
        "version": "1",
        "name": "Lower Extremity Functional Scale",
        "short_name": "LEFS",
        "measures": (
            "Difficulty with 20 everyday activities because of a lower-limb problem, each from "
            "0 (extreme difficulty or unable) to 4 (no difficulty); total 0–80. Higher is "
            "better."
        ),
        "instructions": (
            "These questions ask whether the problem with your leg makes everyday activities "
            "difficult. Your answers help your therapist see how your leg is doing and whether "
            "treatment is helping. Today, do you or would you have any difficulty at all with "
            "each of these activities?"
        ),
        "items": [
            {"id": f"lefs-{number}", "text": text, "options": LEFS_OPTIONS}
            for number, text in enumerate(LEFS_ACTIVITIES, start=1)
        ],
        "scoring_method": "sum",
        "score_min": "0",
        "score_max": "80",
        "better": "higher",
        "missing_items_allowed": 2,
        "scoring_source": (
            "Binkley 1999: the sum of the 20 items. The source gives no rule for missing items: "
            "Dorsi prorates up to 2 missing (10 % of the items) and gives no score beyond that. "
            "That limit is Dorsi's choice, not the source's."
        ),
        "mcid_rule": "absolute",
        "mcid_absolute": "9",
        "mcid_relative_percent": None,
        "mcid_source": "9 points (Binkley 1999).",
        "source": (
            "Binkley JM, Stratford PW, Lott SA, Riddle DL. The Lower Extremity Functional Scale "
            "(LEFS): scale development, measurement properties, and clinical application. "
            "Phys Ther 1999;79(4):371–383."
        ),
        "licence_terms": (
            "Published in Physical Therapy (American Physical Therapy Association, 1999) and "
            "widely reproduced for clinical use without a fee; printed copies credit the paper "
            "and the APTA's permission. Dorsi credits the source wherever the scale is shown. "
            "The clinical brief marks its terms as 'widely reproduced; check': a distributor "
            "that needs written permission asks the APTA."
        ),
    },
]


def seed(apps, schema_editor):
    Instrument = apps.get_model("questionnaires", "Instrument")
    for data in INSTRUMENTS:
        values = dict(data)
        Instrument.objects.update_or_create(
            clinic=None, slug=values.pop("slug"), version=values.pop("version"), defaults=values
        )


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
