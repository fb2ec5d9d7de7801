#!/usr/bin/env bash
# Stop the Dovecot that start-dovecot.sh started in DIR.
#
#   stop-dovecot.sh DIR [--fast] [--purge]
#
# Default: SIGTERM to the master (it stops its children; takes 1-3 s), wait up
# to 10 s, then SIGKILL its process group.
# --fast:  SIGKILL the master's process group at once (~10 ms).
# --purge: afterwards delete DIR (only if it holds our dovecot.conf).
# Idempotent: exits 0 when nothing runs.
set -euo pipefail

DIR=; PURGE=; FAST=
for a in "$@"; do
  case "$a" in
    --purge) PURGE=1 ;;
    --fast) FAST=1 ;;
    -*) echo "stop-dovecot: unknown option $a" >&2; exit 2 ;;
    *) DIR="$a" ;;
  esac
done
[ -n "$DIR" ] || { echo "usage: stop-dovecot.sh DIR [--fast] [--purge]" >&2; exit 2; }
PIDFILE="$DIR/run/master.pid"
log() { echo "stop-dovecot: $*" >&2; }
# Zombies count as dead: in containers PID 1 may reap the daemonised master
# late, and kill -0 would keep "seeing" it.
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

if [ -s "$PIDFILE" ]; then
  pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null && grep -qa dovecot "/proc/$pid/cmdline" 2>/dev/null; then
    t0=$(date +%s%N)
    # Signal the group only if the master leads it (then it holds only this instance).
    pgid="$(ps -o pgid= -p "$pid" | tr -d ' ')"
    if [ -n "$FAST" ] && [ "$pgid" = "$pid" ]; then
      kill -KILL -- "-$pid" 2>/dev/null || true
    else
      kill -TERM "$pid"
    fi
    for _ in $(seq 1 1000); do
      alive "$pid" || break
      sleep 0.01
    done
    if alive "$pid"; then
      log "pid $pid still alive, sending SIGKILL"
      if [ "$pgid" = "$pid" ]; then kill -KILL -- "-$pid" 2>/dev/null || true
      else kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    log "stopped pid $pid in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  fi
  rm -f "$PIDFILE"
fi

if [ -n "$PURGE" ] && [ -f "$DIR/dovecot.conf" ]; then
  rm -rf -- "$DIR"
fi
