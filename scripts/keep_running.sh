#!/usr/bin/env bash
# Runs a command and starts it again when it exits (a worker that dies, or exits after a broker
# outage, comes back by itself), until it is told to stop: on TERM or INT (honcho's stop, Ctrl-C)
# it passes the signal on, waits for the command to finish its shutdown and exits at once,
# instead of sleeping through honcho's grace period and being killed.
set -u
child=""
stopping=0
stop() {
  stopping=1
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  exit 0
}
trap stop TERM INT
while :; do
  "$@" &
  child=$!
  wait "$child"
  status=$?
  child=""
  [ "$stopping" = 1 ] && exit 0
  echo "$1 exited with status $status; starting it again in 5 s"
  sleep 5 &
  wait $!
done
