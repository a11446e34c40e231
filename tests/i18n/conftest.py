# The reminders' test fixtures (a US clinic, an SMTP server that keeps what it is sent).
from tests.reminders.test_messages import lakeside, smtp  # noqa: F401
