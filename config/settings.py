"""Dorsi settings: one module, configured by environment variables.

Production and development differ by environment, not by forks of this file. Every variable is
read through a helper that stops start-up with ImproperlyConfigured naming the variable when its
value is missing or malformed, so a typo never turns into a silently wrong default.
"""

import os
import re
import uuid
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import csp.constants as csp
import environ
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language_info

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        if default is None:
            raise ImproperlyConfigured(
                f"Set the {name} environment variable, or put it in .env "
                "(`./dorsi demo` writes a development .env on a fresh clone)."
            )
        return default
    return value.strip()


# Backends a deployment's .env may still name by where they lived before the reminders app.
MOVED_PATHS = {
    "clinic.delivery.LedgerEmailBackend": "reminders.channels.email.LedgerEmailBackend",
    "clinic.delivery.FileSmsBackend": "reminders.channels.sms.FileSmsBackend",
    "clinic.delivery.ConsoleSmsBackend": "reminders.channels.sms.ConsoleSmsBackend",
    "clinic.delivery.WebhookSmsBackend": "reminders.channels.sms.WebhookSmsBackend",
}


def moved_path(dotted: str) -> str:
    return MOVED_PATHS.get(dotted, dotted)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_uuid(name: str, default: uuid.UUID) -> uuid.UUID:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a UUID, not {raw!r}.") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        if default is None:
            raise ImproperlyConfigured(f"Set the {name} environment variable (comma-separated).")
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def ensure_dir(path: Path) -> Path:
    """The embedded defaults keep their files under var/; create what they need on start."""
    path.mkdir(parents=True, exist_ok=True)
    return path


def env_database(name: str, default: str) -> dict:
    url = env_str(name, default)
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"{name} must be a postgres:// or sqlite:// URL, not one with scheme {scheme!r}."
        )
    try:
        config = environ.Env.db_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from exc
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database, e.g. postgres://host:5432/dorsi.")
    return config


def env_cache(name: str, default: str) -> dict:
    url = env_str(name, default)
    scheme = urlsplit(url).scheme
    if scheme not in environ.Env.CACHE_SCHEMES:
        known = ", ".join(sorted(environ.Env.CACHE_SCHEMES))
        raise ImproperlyConfigured(f"{name} scheme {scheme!r} is not one of: {known}.")
    try:
        return environ.Env.cache_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name} is not a valid cache URL: {exc}") from exc


def env_email(name: str, default: str) -> dict:
    url = env_str(name, default)
    scheme = urlsplit(url).scheme
    if scheme not in environ.Env.EMAIL_SCHEMES:
        known = ", ".join(sorted(environ.Env.EMAIL_SCHEMES))
        raise ImproperlyConfigured(f"{name} scheme {scheme!r} is not one of: {known}.")
    config = environ.Env.email_url_config(url)
    if scheme == "filemail":
        # django-environ drops the leading slash of an absolute path.
        config["EMAIL_FILE_PATH"] = urlsplit(url).path
    return config


# A local env file (see .env.example) fills in what the real environment does not set.
_env_file = Path(os.environ.get("ENV_FILE", BASE_DIR / ".env"))
if _env_file.is_file():
    environ.Env.read_env(_env_file, overwrite=False)

# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=False)
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    SECRET_KEY = env_str("SECRET_KEY")
    # The same bar as `check --deploy` (security.W009), enforced at start-up rather than
    # reported: a guessable key lets anyone forge sessions and patient links.
    if (
        len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
        or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
        or "CHANGE-ME" in SECRET_KEY
    ):
        raise ImproperlyConfigured(
            f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} random characters: "
            'python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# How many reverse proxies of ours stand in front of Dorsi: the audit trail and the sign-in
# lockout take the caller's address from X-Forwarded-For only that far, never further.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
# The absolute address patients receive in emailed links; requests are not available in tasks.
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
# FHIR exports name each resource urn:uuid:<uuid5 of this namespace and its type and id>, the
# same in every export, so a receiving system recognises a resource it already holds. Derived from
# SITE_URL unless set: set it to the value in use (`manage.py shell -c "from django.conf import
# settings; print(settings.FHIR_NAMESPACE)"`) before SITE_URL changes.
FHIR_NAMESPACE = env_uuid("FHIR_NAMESPACE", uuid.uuid5(uuid.NAMESPACE_URL, SITE_URL))
# The domain in each calendar event's UID (appointment-42@<domain>), so that two installations
# never give a subscriber the same UID. It must stay as it is once feeds are subscribed to:
# every UID changes with it, and calendars that keep what they imported show each appointment
# twice.
CALENDAR_UID_DOMAIN = env_str("CALENDAR_UID_DOMAIN", urlsplit(SITE_URL).hostname or "localhost")
if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", CALENDAR_UID_DOMAIN):
    raise ImproperlyConfigured(
        f"CALENDAR_UID_DOMAIN must be a domain name such as dorsi.example.org, "
        f"not {CALENDAR_UID_DOMAIN!r}."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Not rest_framework.authtoken: its tokens never expire and bypass two-factor. API tokens
    # are accounts.ApiToken (accounts/api_tokens.py); migration clinic 0009 withdrew the old ones.
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "clinic",
    "accounts",
    "reminders",
    "scheduling",
    "assessments",
    "questionnaires",
    "neural",
    "exercises",
    "records",
    "reports",
    "dashboard",
    "audit",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinic.middleware.PatientSessionMiddleware",
    "clinic.middleware.PatientLanguageMiddleware",
    "clinic.middleware.ClinicTimeZoneMiddleware",
    "audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages (a timed-out session says why) and inside the audit scope (the sign-out
    # is recorded); expiry first, so an expired session never reaches the two-factor check.
    "accounts.middleware.StaffSessionExpiryMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.navigation",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dorsi.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    ensure_dir(Path(DATABASES["default"]["NAME"]).parent)
    # A file, not memory, so a Celery worker started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-dorsi.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache counts invalid patient-link opens per address. Memory of one process for the demo;
# give several web processes one Redis (a database other than the broker's) so they count
# together: CACHE_URL=redis://redis:6379/1.
CACHES = {"default": env_cache("CACHE_URL", "locmemcache://")}
AUTH_USER_MODEL = "clinic.User"

# Every user is staff with access to patient records (patients have no password): 12 characters.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Staff sign-in security -------------------------------------------------------------------

# django-axes checks every password sign-in first; it never signs anyone in itself.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords or codes for one username from one address lock that pair out for 15
# minutes. Username and address together, so a colleague on the clinic network and a stranger
# guessing one account lock out only themselves; a wrong two-factor code counts like a wrong
# password (accounts.two_factor).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A try during the lockout does not push its end further out, so the time the page names holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A correct password must not wipe the count of wrong codes that followed earlier passwords.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# The address the audit trail records, which reads X-Forwarded-For only as far as
# TRUSTED_PROXY_HOPS allows; ipware's default would believe a header any client can send.
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
# Staff sessions end after this long without a request, and this long after signing in.
STAFF_IDLE_TIMEOUT = timedelta(minutes=env_int("STAFF_IDLE_TIMEOUT_MINUTES", 15, minimum=1))
STAFF_SESSION_MAX_AGE = timedelta(hours=env_int("STAFF_SESSION_MAX_HOURS", 10, minimum=1))
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Dorsi")
# Invalid patient links one address may open per window before it is refused for the rest of it.
PATIENT_LINK_FAILURE_LIMIT = env_int("PATIENT_LINK_FAILURE_LIMIT", 10, minimum=1)
PATIENT_LINK_FAILURE_WINDOW = timedelta(
    minutes=env_int("PATIENT_LINK_FAILURE_WINDOW_MINUTES", 10, minimum=1)
)
# How long a personal API token lives (the longest a staff member may choose on the Security
# page). A token outlives any session, so it may not be made to live longer than a year.
API_TOKEN_MAX_AGE_CAP_DAYS = 365
API_TOKEN_MAX_AGE = timedelta(days=env_int("API_TOKEN_MAX_AGE_DAYS", 90, minimum=1))
if API_TOKEN_MAX_AGE.days > API_TOKEN_MAX_AGE_CAP_DAYS:
    raise ImproperlyConfigured(
        f"API_TOKEN_MAX_AGE_DAYS must be at most {API_TOKEN_MAX_AGE_CAP_DAYS}, "
        f"not {API_TOKEN_MAX_AGE.days}."
    )

# --- Locale and time --------------------------------------------------------------------------


def env_languages(name: str, default: list[str]) -> list[tuple[str, str]]:
    """The languages patients may choose, from their codes (`en,es`); each is named in its own
    language from Django's language info, so the list is the environment's, not the code's."""
    codes = env_list(name, default)
    languages = []
    for code in codes:
        try:
            info = get_language_info(code)
        except KeyError:
            raise ImproperlyConfigured(
                f"{name}: {code!r} is not a language code Django knows (such as en, es, pt-br)."
            ) from None
        languages.append((code.lower(), info["name_local"]))
    return languages


# The patient side is translated into these; staff pages read in LANGUAGE_CODE. Adding one is a
# catalogue in locale/<code>/ and its code here (README, "Languages").
LANGUAGES = env_languages("LANGUAGES", ["en", "es"])
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en").lower()
if LANGUAGE_CODE not in {code for code, _ in LANGUAGES}:
    raise ImproperlyConfigured(f"LANGUAGE_CODE {LANGUAGE_CODE!r} must be one of LANGUAGES.")
LOCALE_PATHS = [BASE_DIR / "locale"]
# Storage is UTC; each clinic has its own zone, activated per request.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = ensure_dir(Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles"))))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Sessions and security --------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The TLS-terminating proxy in front of Dorsi must set X-Forwarded-Proto (and drop any a client
# sent); without it every request looks like plain HTTP and is redirected forever.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The container health check probes http://127.0.0.1:8000/healthz from inside, past the proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Sent only on HTTPS responses, so development over http://127.0.0.1 never pins anything.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every script and style comes from our own static files: no inline code, no third parties.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
        # The patient's routine: its service worker (/me/sw.js) and web app manifest.
        "worker-src": [csp.SELF],
        "manifest-src": [csp.SELF],
    }
}
# Browser features no Dorsi page uses are switched off; the routine timer keeps the screen on.
# The phone inclinometer reads deviceorientation, which Chromium gates on the accelerometer and
# the gyroscope (the magnetometer only serves the compass heading, which it does not use).
PERMISSIONS_POLICY = {
    "accelerometer": "(self)",
    "camera": "()",
    "geolocation": "()",
    "gyroscope": "(self)",
    "magnetometer": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
    "screen-wake-lock": "(self)",
}

# Adds /bench/bare/, a bare JsonResponse the API throughput benchmark compares against.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)
PATIENT_LINK_MAX_AGE = timedelta(days=env_int("PATIENT_LINK_MAX_AGE_DAYS", 30, minimum=1))

# --- Email ------------------------------------------------------------------------------------

_email = env_email("EMAIL_URL", f"filemail://{VAR_DIR / 'mail'}")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    EMAIL_FILE_PATH = str(ensure_dir(Path(_email.get("EMAIL_FILE_PATH") or VAR_DIR / "mail")))
for _key in ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
    if _email.get(_key):
        globals()[_key] = _email[_key]
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = 15
# The domain of the address mail is sent from and of each Message-ID (<key@domain>): the
# site's, never the machine's hostname, which says nothing to a receiving server's filters.
MAIL_DOMAIN = env_str("MAIL_DOMAIN", urlsplit(SITE_URL).hostname or "localhost")
# The sending address. A patient's reminder goes out under the clinic's name with this address
# ("Lakeside Physio" <reminders@…>); the display name here is for staff mail only.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Dorsi <reminders@{MAIL_DOMAIN}>")
if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?", MAIL_DOMAIN):
    raise ImproperlyConfigured(
        f"MAIL_DOMAIN must be a domain name such as dorsi.example.org, not {MAIL_DOMAIN!r}."
    )
if "@" not in parseaddr(DEFAULT_FROM_EMAIL)[1]:
    raise ImproperlyConfigured(
        f"DEFAULT_FROM_EMAIL must hold an address such as Dorsi <reminders@dorsi.example.org>, "
        f"not {DEFAULT_FROM_EMAIL!r}."
    )
# A dotted path overrides EMAIL_URL's backend, e.g. reminders.channels.email.LedgerEmailBackend.
if os.environ.get("EMAIL_BACKEND"):
    EMAIL_BACKEND = moved_path(env_str("EMAIL_BACKEND"))
DELIVERY_LEDGER_DIR = env_str("DELIVERY_LEDGER_DIR", str(VAR_DIR / "ledger"))

# --- Reminders --------------------------------------------------------------------------------

SMS_BACKEND = moved_path(env_str("SMS_BACKEND", "reminders.channels.sms.FileSmsBackend"))
SMS_WEBHOOK_URL = env_str("SMS_WEBHOOK_URL", "https://sms.invalid/messages")
SMS_WEBHOOK_TOKEN = env_str("SMS_WEBHOOK_TOKEN", "unset")
REMINDER_SWEEP_SECONDS = env_int("REMINDER_SWEEP_SECONDS", 60, minimum=1)
REMINDER_PLAN_SECONDS = env_int("REMINDER_PLAN_SECONDS", 15 * 60, minimum=1)
REMINDER_BATCH = env_int("REMINDER_BATCH", 200, minimum=1)
# How many connections to the provider a sweep keeps sending over at once (a share of each batch
# each): a slow provider's answers are awaited side by side, not one after another.
REMINDER_SEND_THREADS = env_int("REMINDER_SEND_THREADS", 32, minimum=1)
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5, minimum=1)
# No timeout decides that a "sending" reminder was abandoned: the sending worker holds a lock
# on it that only its death frees (reminders/locks.py).
# Patients (then clinicians) the planner plans per transaction; each commits with its cursor.
REMINDER_PLAN_CHUNK = env_int("REMINDER_PLAN_CHUNK", 500, minimum=1)

# --- Celery -----------------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if urlsplit(CELERY_BROKER_URL).scheme not in {"redis", "rediss", "filesystem", "amqp"}:
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must be a redis://, rediss://, amqp:// or filesystem:// URL."
    )
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker: messages are files under var/, so the demo needs no server.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "control", "processed"):
        ensure_dir(_broker_dir / _sub)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
else:
    # Above the longest task time limit, so Redis never redelivers a task that is still running.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
if urlsplit(CELERY_BROKER_URL).scheme in {"redis", "rediss"}:
    # kombu's Redis transport with one fix: a worker whose broker goes away mid-task survives
    # (config/celery.py says why).
    CELERY_BROKER_TRANSPORT = "config.celery:RedisTransport"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker waits for its broker however long it is away, instead of exiting after 100 tries.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "dorsi")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task that reaches its soft limit stops with an error that is logged and recorded (the
# health check and the failed-reminders page show it); work in chunks keeps what it committed.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 4 * 60, minimum=1)
if CELERY_TASK_SOFT_TIME_LIMIT > 60 * 60:
    raise ImproperlyConfigured(
        "CELERY_TASK_SOFT_TIME_LIMIT must be an hour at most (below the broker's visibility "
        "timeout, or Redis would hand a running task to a second worker)."
    )
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
HEARTBEAT_INTERVAL_SECONDS = env_int("HEARTBEAT_INTERVAL_SECONDS", 30, minimum=1)
# /healthz reports unhealthy once the last heartbeat is older than this.
HEARTBEAT_MAX_AGE = timedelta(seconds=max(3 * HEARTBEAT_INTERVAL_SECONDS, 90))
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "clinic.tasks.heartbeat",
        "schedule": float(HEARTBEAT_INTERVAL_SECONDS),
        "options": {"expires": float(HEARTBEAT_INTERVAL_SECONDS)},
    },
    # Sweeps that expire unrun are harmless: the next one picks up every due row.
    "reminders-sweep": {
        "task": "reminders.tasks.reminders_sweep",
        "schedule": float(REMINDER_SWEEP_SECONDS),
        "options": {"expires": float(REMINDER_SWEEP_SECONDS)},
    },
    "dashboard-refresh": {
        "task": "dashboard.tasks.dashboard_refresh",
        "schedule": float(env_int("DASHBOARD_REFRESH_SECONDS", 60 * 60, minimum=60)),
    },
    "reminders-plan": {
        "task": "reminders.tasks.reminders_plan",
        "schedule": float(REMINDER_PLAN_SECONDS),
        "options": {"expires": float(REMINDER_PLAN_SECONDS)},
    },
    # The clinics' questionnaire schedules (scheduling/questionnaire_schedule.py); the reminder
    # planner's next run reminds the patients it asked.
    "questionnaires-plan": {
        "task": "scheduling.tasks.questionnaires_plan",
        "schedule": float(REMINDER_PLAN_SECONDS),
        "options": {"expires": float(REMINDER_PLAN_SECONDS)},
    },
}

# --- REST API ---------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes anonymous requests 401, not 403. The
    # personal, expiring tokens of accounts.api_tokens, issued on the Security page.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "clinic.api_auth.PatientSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "clinic.filters.ApiFilterBackend",
        "clinic.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # A JSON API: bodies are JSON, and so is every request body the schema offers. (Form
    # encodings cannot say null or a nested list; nothing here uploads files.)
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Dorsi API",
    "DESCRIPTION": (
        "Patients, knee-to-wall assessments, calf routines and follow-ups for "
        "physical-therapy clinics. Every list is scoped to the caller's clinic.\n\n"
        "Request bodies are JSON. Every instant is answered in UTC with a Z "
        "(2026-01-15T15:30:00Z), whatever the authentication. Ids are integers. This schema "
        "is the same for every caller: a field some roles never receive is optional here, "
        "and absent from their answers."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: Swagger UI draws each one as a link inside the operation's own button
    # (nested interactive controls, 19 px targets: axe-core's WCAG 2.2 AA check fails them).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The paths carry /api/v1 themselves: the server is the site's root.
    "SERVERS": [{"url": SITE_URL, "description": "This Dorsi installation"}],
    # JSON Schema proper: "a Therapist or null" is oneOf [Therapist, null], which OpenAPI 3.0's
    # `nullable` beside a $ref cannot say.
    "OAS_VERSION": "3.1.0",
    "COMPONENT_SPLIT_REQUEST": True,
    # The router's `.json` twins of each path are left out, as they were when its paths were
    # regular expressions (config/urls.py).
    "PREPROCESSING_HOOKS": ["drf_spectacular.hooks.preprocess_exclude_path_format"],
    # The schema declares the 400/401/403/404/415 answers too (config/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_schema.declare_error_responses",
        "config.api_schema.declare_nulls_as_json_schema",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LengthUnitEnum": "clinic.models.LengthUnit",
        "SpineMotionEnum": "assessments.models.SpineMotion",
        "AngleMethodEnum": "assessments.models.AngleMethod",
        "SideEnum": "clinic.models.Side",
        "StatusEnum": "clinic.models.PatientStatus",
        "ExerciseStatusEnum": "exercises.models.ExerciseStatus",
        "McidRuleEnum": "questionnaires.serializers.MCID_RULES",
        "QuestionnaireRequestStatusEnum": "questionnaires.models.RequestStatus",
        "InstrumentDomainEnum": "questionnaires.models.Domain",
        "NeuralDifferentiationEnum": "neural.models.Differentiation",
        "NeuralYesNoNotTestedEnum": "neural.models.YesNoNotTested",
    },
}

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The PDF library narrates every step of every document at INFO: its warnings are enough.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
