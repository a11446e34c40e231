# syntax=docker/dockerfile:1

# --- build: install the project and its dependencies into a virtualenv -----------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY . .
RUN pip install .

# The translations: the committed .po compiled to the .mo Django reads (gettext only here).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && for po in locale/*/LC_MESSAGES/*.po; do msgfmt --check-format -o "${po%.po}.mo" "$po"; done

# --- runtime ----------------------------------------------------------------------------------
FROM python:3.11-slim

# PYTHONPATH: settings derive BASE_DIR (templates/, static/, var/) from config/settings.py's own
# location, so the code must be imported from /app, not from the copy pip put in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings

# The PDFs (progress reports, handouts): WeasyPrint lays them out with Pango and HarfBuzz, in
# Debian's DejaVu fonts; no browser, nothing fetched at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system dorsi \
    && useradd --system --gid dorsi --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin dorsi

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
COPY manage.py ./
COPY config ./config
COPY clinic ./clinic
COPY accounts ./accounts
COPY scheduling ./scheduling
COPY audit ./audit
COPY assessments ./assessments
COPY exercises ./exercises
COPY records ./records
COPY dashboard ./dashboard
COPY reminders ./reminders
COPY questionnaires ./questionnaires
COPY neural ./neural
COPY reports ./reports
COPY demo ./demo
COPY templates ./templates
COPY static ./static
COPY --from=build /src/locale ./locale

# The dummy SECRET_KEY (settings insist on >= 50 characters) and ALLOWED_HOSTS exist only for
# this step; real values come from the environment at run time. Code and collected static files
# stay owned by root; only var/ (file mail, scratch) is writable by the app user.
RUN SECRET_KEY=build-only-collectstatic-key-not-a-real-secret-0123456789 ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && python -m compileall -q clinic assessments exercises \
    && mkdir -p var/mail \
    && chown dorsi:dorsi var var/mail

USER dorsi

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
