"""The Celery app. Configuration lives in settings.py under the CELERY_ namespace."""

import logging
import os

import redis
from celery import Celery, signals
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from kombu.transport import redis as kombu_redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

app = Celery("dorsi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- The Redis transport, with one fix ----------------------------------------------------------


class _RedisChannel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        # When Redis drops while a task is running unacknowledged and the consumer waits on
        # BRPOP, Celery 5.7 collects the connection (kombu drops the transport's client, but
        # the channel, whose BRPOP read failed, stays open) and then closes it. That second
        # close requeues the unacknowledged message through a new pool built from the client
        # that is gone: AttributeError ("'NoneType' object has no attribute 'hostname'"),
        # which Celery counts as unrecoverable, so the worker exits for good (celery 5.7.0,
        # kombu 5.7.0, redis 8.1.0). A channel whose connection is gone cannot reach the
        # broker: say so with the error kombu and Celery treat as a lost connection, and the
        # worker reconnects. The message stays in Redis's unacked set; Redis hands it out
        # again after the visibility timeout (the sweep tolerates running twice).
        transport = self.connection
        if transport is None or transport.client is None:
            raise redis.exceptions.ConnectionError("The broker connection is closed.")
        return super()._connparams(asynchronous=asynchronous)


class RedisTransport(kombu_redis.Transport):
    """kombu's Redis transport (redis:// and rediss://, settings.CELERY_BROKER_TRANSPORT)."""

    Channel = _RedisChannel


# --- Tasks that run out of time ---------------------------------------------------------------


@signals.task_failure.connect
def _record_time_limit(sender=None, exception=None, **kwargs) -> None:
    # Sent in the worker process for a soft limit and in the main process for a hard one.
    if not isinstance(exception, SoftTimeLimitExceeded | TimeLimitExceeded):
        return
    # Imported here: the Celery app loads with the settings, before the apps are ready.
    from clinic.tasks import task_out_of_time_record

    logger.error(
        "%s ran out of time (%s); what it committed is kept and its next run goes on",
        sender.name,
        exception,
    )
    task_out_of_time_record(name=sender.name)


@signals.task_success.connect
def _record_completion(sender=None, **kwargs) -> None:
    # Imported here: the Celery app loads with the settings, before the apps are ready.
    from clinic.tasks import task_completed_record

    task_completed_record(name=sender.name)


# --- A heartbeat as soon as a worker is up ------------------------------------------------------


@signals.worker_ready.connect
def _heartbeat_at_start(sender=None, **kwargs) -> None:
    # /healthz reads the last heartbeat: without this it answered 503 until beat's first one
    # (HEARTBEAT_INTERVAL_SECONDS, 30 s). Sent through the broker, so it still proves the whole
    # path: a worker that consumes from it.
    app.send_task("clinic.tasks.heartbeat")
