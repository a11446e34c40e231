"""The project package: settings, the root URLconf, the Celery app, WSGI/ASGI, and what the API
does for every app (its schema's error answers, its error handling). The apps never import it."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
