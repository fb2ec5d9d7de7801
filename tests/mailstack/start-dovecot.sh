#!/usr/bin/env bash
# Start a throw-away Dovecot (IMAP, IMAPS, LMTP) on 127.0.0.1 for the tests.
#
#   start-dovecot.sh DIR
#
# Config, users, maildirs, sockets and logs all live in DIR. Installs
# dovecot-core dovecot-imapd dovecot-lmtpd with apt-get when missing (root only).
# Idempotent: if the instance in DIR already runs, it just reprints its details.
#
# Environment (optional):
#   MAILSTACK_IMAP_PORT   plain IMAP       (default 10143)
#   MAILSTACK_LMTP_PORT   LMTP             (default 10024)
#   MAILSTACK_IMAPS_PORT  IMAP over TLS    (default 10993; 0 = no TLS); the
#                         self-signed cert for 127.0.0.1 is DIR/tls/cert.pem
#   MAILSTACK_USERS       "user:pass user:pass ..." (default: support, agent1,
#                         agent2, client, client2, stranger @example.test, "secret")
#   MAILSTACK_WAIT_S      seconds to wait for the IMAP greeting (default 20)
#
# stdout: KEY=VALUE lines; progress and errors go to stderr.
set -euo pipefail

DIR="${1:?usage: start-dovecot.sh DIR}"
IMAP_PORT="${MAILSTACK_IMAP_PORT:-10143}"
LMTP_PORT="${MAILSTACK_LMTP_PORT:-10024}"
IMAPS_PORT="${MAILSTACK_IMAPS_PORT:-10993}"
WAIT_S="${MAILSTACK_WAIT_S:-20}"
USERS="${MAILSTACK_USERS:-}"
if [ -z "$USERS" ]; then
  for u in support agent1 agent2 client client2 stranger; do USERS+="$u@example.test:secret "; done
fi

log() { echo "start-dovecot: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- install
if ! command -v dovecot >/dev/null 2>&1 || [ ! -x /usr/lib/dovecot/imap ] || [ ! -x /usr/lib/dovecot/lmtp ]; then
  [ "$(id -u)" -eq 0 ] || die "dovecot is not installed and we are not root; run: apt-get install dovecot-core dovecot-imapd dovecot-lmtpd"
  log "installing dovecot-core dovecot-imapd dovecot-lmtpd ..."
  export DEBIAN_FRONTEND=noninteractive
  pkgs=(dovecot-core dovecot-imapd dovecot-lmtpd)
  if ! apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2; then
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2
  fi
fi

mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd -P)"
CONF="$DIR/dovecot.conf"
PIDFILE="$DIR/run/master.pid"
LOGFILE="$DIR/log/dovecot.log"

print_info() {
  cat <<EOF
MAILSTACK_DIR=$DIR
DOVECOT_CONF=$CONF
DOVECOT_PID=$(cat "$PIDFILE")
DOVECOT_LOG=$LOGFILE
IMAP_HOST=127.0.0.1
IMAP_PORT=$IMAP_PORT
LMTP_PORT=$LMTP_PORT
IMAPS_PORT=$IMAPS_PORT
IMAPS_CAFILE=$( [ "$IMAPS_PORT" != 0 ] && echo "$DIR/tls/cert.pem" || true )
EOF
}

# ------------------------------------------------------ already running?
if [ -s "$PIDFILE" ]; then
  pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null && grep -qa dovecot "/proc/$pid/cmdline" 2>/dev/null; then
    # The running config, not the environment, knows the ports.
    IMAP_PORT="$(sed -n 's/^#MAILSTACK_IMAP_PORT=//p' "$CONF")"
    LMTP_PORT="$(sed -n 's/^#MAILSTACK_LMTP_PORT=//p' "$CONF")"
    IMAPS_PORT="$(sed -n 's/^#MAILSTACK_IMAPS_PORT=//p' "$CONF")"
    log "already running (pid $pid)"
    print_info
    exit 0
  fi
  rm -f "$PIDFILE"
fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$IMAP_PORT" "$LMTP_PORT" "$IMAPS_PORT"; do
  [ "$p" = 0 ] || ! port_busy "$p" || die "127.0.0.1:$p is already in use"
done

# ------------------------------------------------------------ identities
if [ "$(id -u)" -eq 0 ]; then
  # Dovecot refuses to access mail as uid 0.
  MAIL_USER=dovecot
  LOGIN_USER=dovenull
  INTERNAL_USER=dovecot
  NONROOT_SETTINGS=""
else
  # Unprivileged: every Dovecot process runs as the calling user.
  MAIL_USER="$(id -un)"
  LOGIN_USER="$MAIL_USER"
  INTERNAL_USER="$MAIL_USER"
  NONROOT_SETTINGS="default_internal_group = $(id -gn)
service imap-login {
  chroot =
}
service anvil {
  chroot =
}"
fi
MAIL_UID="$(id -u "$MAIL_USER")"
MAIL_GID="$(id -g "$MAIL_USER")"

# As root the mail user must traverse every parent of DIR (o+x); a dir under
# a 0700 parent such as pytest's tmp_path does not work.
if [ "$(id -u)" -eq 0 ]; then
  chmod o+x "$DIR"
  d="$(dirname "$DIR")"
  while [ "$d" != "/" ]; do
    perms="$(stat -c %A "$d")"
    case "${perms:9:1}" in x|t) ;; *) die "$d is not traversable by $MAIL_USER (mode $perms); use a DIR under /tmp" ;; esac
    d="$(dirname "$d")"
  done
fi

mkdir -p "$DIR/run" "$DIR/state" "$DIR/log" "$DIR/mail" "$DIR/tmp"
chmod 0755 "$DIR/run" "$DIR/state"
[ "$(id -u)" -ne 0 ] || chown "$MAIL_UID:$MAIL_GID" "$DIR/mail" "$DIR/tmp"
# Unix socket paths are limited to 107 bytes.
[ "${#DIR}" -le 60 ] || log "WARNING: DIR is ${#DIR} chars long; socket paths may get too long"

# ------------------------------------------------------------------ TLS
if [ "$IMAPS_PORT" != 0 ]; then
  if [ ! -s "$DIR/tls/cert.pem" ] || [ ! -s "$DIR/tls/key.pem" ]; then
    mkdir -p "$DIR/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -days 3650 -subj "/CN=localhost" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" 2>/dev/null
    chmod 0600 "$DIR/tls/key.pem"
  fi
  SSL_SETTINGS="ssl = yes
ssl_cert = <$DIR/tls/cert.pem
ssl_key = <$DIR/tls/key.pem"
else
  SSL_SETTINGS="ssl = no"
fi

# ---------------------------------------------------------------- users
: >"$DIR/users"
for entry in $USERS; do
  u="${entry%%:*}"; pw="${entry#*:}"
  [ -n "$u" ] && [ "$pw" != "$entry" ] || die "bad MAILSTACK_USERS entry: $entry (want user:pass)"
  printf '%s:{PLAIN}%s::::::\n' "$u" "$pw" >>"$DIR/users"
done
chmod 0640 "$DIR/users"
[ "$(id -u)" -ne 0 ] || chgrp "$(id -g "$INTERNAL_USER")" "$DIR/users"

# --------------------------------------------------------------- config
cat >"$CONF" <<EOF
# Generated by start-dovecot.sh; reads nothing from /etc/dovecot.
#MAILSTACK_IMAP_PORT=$IMAP_PORT
#MAILSTACK_LMTP_PORT=$LMTP_PORT
#MAILSTACK_IMAPS_PORT=$IMAPS_PORT
instance_name = mailstack-$(printf '%s' "$DIR" | md5sum | cut -c1-8)
base_dir = $DIR/run
state_dir = $DIR/state
log_path = $LOGFILE
info_log_path = $LOGFILE
default_login_user = $LOGIN_USER
default_internal_user = $INTERNAL_USER

protocols = imap lmtp
# support+KB-000123-<token>@ is delivered to support@ (agents reply to tokened addresses)
recipient_delimiter = +
listen = 127.0.0.1
$SSL_SETTINGS
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes

first_valid_uid = $MAIL_UID
last_valid_uid = $MAIL_UID
mail_location = maildir:~/Maildir
mail_temp_dir = $DIR/tmp
mail_fsync = never

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $DIR/users
}
userdb {
  driver = passwd-file
  args = username_format=%Lu $DIR/users
  default_fields = uid=$MAIL_UID gid=$MAIL_GID home=$DIR/mail/%Ld/%Ln
}

# Login processes kept warm (high-performance mode): each test logs in a lot.
service imap-login {
  service_count = 0
  process_min_avail = 2
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
  }
}
service imap {
  service_count = 100
  process_min_avail = 2
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
$NONROOT_SETTINGS
protocol lmtp {
  postmaster_address = postmaster@example.test
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
EOF

# ---------------------------------------------------------------- start
t0=$(date +%s%N)
# The daemon must not inherit our stdio: a caller capturing our output
# (subprocess.run(capture_output=True), $(...)) would otherwise hang.
if ! /usr/sbin/dovecot -c "$CONF" </dev/null >"$DIR/log/startup.log" 2>&1; then
  cat "$DIR/log/startup.log" >&2; tail -20 "$LOGFILE" >&2 2>/dev/null || true
  die "dovecot failed to start"
fi

deadline=$(( $(date +%s) + WAIT_S ))
imap_ready() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    IFS= read -r -t 2 line <&3 || exit 1
    [[ "$line" == "* OK"* ]]' _ "$1" 2>/dev/null
}
until imap_ready "$IMAP_PORT"; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    tail -20 "$LOGFILE" >&2 2>/dev/null || true
    die "IMAP port $IMAP_PORT did not answer within ${WAIT_S}s"
  fi
  sleep 0.05
done
for _ in $(seq 1 100); do [ -s "$PIDFILE" ] && break; sleep 0.05; done
log "ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $(cat "$PIDFILE"))"
print_info
