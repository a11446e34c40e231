#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database, then check that the
# restored schema is the one this version of Dorsi expects.
#
#   createdb dorsi_restored
#   DATABASE_URL=postgres://user:password@host:5432/dorsi_restored scripts/restore.sh FILE.dump
#
# Run it where Dorsi's settings are configured (SECRET_KEY and the rest of the environment or
# .env): the last step is `manage.py migrate --check`, which fails if migrations are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

dump="${1:?usage: DATABASE_URL=postgres://.../empty_database scripts/restore.sh FILE.dump}"
: "${DATABASE_URL:?Set DATABASE_URL to the empty database to restore into}"
[ -r "$dump" ] || { echo "Cannot read $dump" >&2; exit 1; }

# Restoring over live data would mix two databases: refuse anything but an empty one.
tables=$(psql "$DATABASE_URL" --no-psqlrc --tuples-only --no-align --command \
  "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "Refusing to restore: the database already has $tables tables. Create an empty one." >&2
  exit 1
fi

# --no-owner: the restoring role owns everything, whatever role made the backup.
# --exit-on-error: a failed step stops the restore instead of leaving a partial database.
pg_restore --no-owner --exit-on-error --dbname="$DATABASE_URL" "$dump"

PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
DATABASE_URL="$DATABASE_URL" "$PY" manage.py migrate --check
echo "Restored $dump; the schema matches this version of Dorsi."
