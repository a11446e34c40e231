# The exercise library and calf routines arrive with issue 4.
