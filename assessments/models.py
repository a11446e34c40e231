# Knee-to-wall assessments arrive with issue 3.
