#!/usr/bin/env bash
# API throughput under gunicorn (2 workers) with wrk, against a bare JsonResponse in the same run.
# Goal (issue 7): the API list at least 50% of the bare view's requests per second.
#   DATABASE_URL=postgres://.../dorsi_bench bash bench/api_throughput.sh
# Needs the "Bench 10000" clinic (manage.py bench_data --patients 10000) and Debian's wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the bench database}"
PORT="${PORT:-8765}"
DURATION="${DURATION:-10s}"
export DEBUG=false SECRET_KEY="bench-only-secret-key-not-for-production-0000000000000" \
  ALLOWED_HOSTS=127.0.0.1 BENCH_ENDPOINTS=true SECURE_COOKIES=false SECURE_SSL_REDIRECT=false \
  STATIC_ROOT="$(mktemp -d)" ENV_FILE=/nonexistent LOG_LEVEL=WARNING
.venv/bin/python manage.py collectstatic --noinput -v0
TOKEN=$(.venv/bin/python - <<'PY'
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from accounts.api_tokens import api_token_issue, api_token_revoke
from clinic.models import User
admin = User.objects.get(username="bench10000-admin")
for old in admin.api_tokens.filter(name="bench", revoked_at__isnull=True):
    api_token_revoke(token=old, revoked_by=None, reason=": a new bench run")
# The operator's shell stands in for the Security page's two-factor session; a day is enough.
print(api_token_issue(user=admin, name="bench", days=1, second_factor_passed=True)[1])
PY
)
PATIENT=$(.venv/bin/python - <<'PY'
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from clinic.models import Patient
print(Patient.objects.filter(clinic__name="Bench 10000").order_by("pk").values_list("pk", flat=True).first())
PY
)
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
  --log-level warning >/tmp/dorsi-bench-gunicorn.log 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/bench/bare/" >/dev/null && break; sleep 0.2; done
rate() {  # requests per second of one wrk run
  wrk -t2 -c8 -d"$DURATION" -H "Authorization: Token $TOKEN" "$1" | awk '/Requests\/sec/ {print $2}'
}
bare=$(rate "http://127.0.0.1:$PORT/bench/bare/")
list=$(rate "http://127.0.0.1:$PORT/api/v1/patients/")
detail=$(rate "http://127.0.0.1:$PORT/api/v1/patients/$PATIENT/")
echo "bare JsonResponse:         $bare req/s"
echo "API patients list (25):    $list req/s  ($(python3 -c "print(round($list / $bare * 100))")% of bare; goal >= 50%)"
echo "API patient detail:        $detail req/s  ($(python3 -c "print(round($detail / $bare * 100))")% of bare)"
