#!/usr/bin/env bash
# Back up Dorsi's PostgreSQL database: one pg_dump file in custom format, named with the time.
#
#   DATABASE_URL=postgres://user:password@host:5432/dorsi scripts/backup.sh [directory]
#
# Prints the path of the new file. The custom format is compressed, restores table by table
# with pg_restore (scripts/restore.sh), and keeps the schema, the data, the extensions and the
# audit trail's trigger together. The file holds patient data: it is written readable by its
# owner only, and should be stored encrypted like the database itself.
set -euo pipefail

: "${DATABASE_URL:?Set DATABASE_URL to the database to back up (postgres://user:password@host:port/name)}"
directory="${1:-backups}"

# libpq reads postgres:// and postgresql:// addresses itself; nothing to take apart here.
database=$(basename "${DATABASE_URL%%\?*}")
stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$directory/dorsi-$database-$stamp.dump"

umask 077
mkdir -p "$directory"
# Write under a temporary name and rename at the end, so a dump that failed half-way is never
# mistaken for a complete backup.
pg_dump --format=custom --dbname="$DATABASE_URL" --file="$target.partial"
mv "$target.partial" "$target"
echo "$target"
