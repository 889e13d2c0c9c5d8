#!/bin/sh
# Starts the trial's Dovecot: makes its TLS certificate (for the name
# "dovecot", shared with dealtrail through the /certs volume) and the
# user rep with the password TRIAL_PASSWORD, seeds rep's mailbox at the
# first start, then runs Dovecot in the foreground.
set -eu
: "${TRIAL_PASSWORD:?set TRIAL_PASSWORD}"
CERTS=${CERTS:-/certs}
MAIL=${MAIL:-/srv/mail}
CONF_DIR=${CONF_DIR:-/etc/dovecot}
SEED=${SEED:-/opt/trial/seed}
TRIAL_USER=${TRIAL_USER:-rep}

mkdir -p "$CERTS" "$MAIL/tls"
if [ ! -s "$CERTS/dovecot.pem" ] || [ ! -s "$MAIL/tls/key.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
    -subj "/CN=dovecot" -addext "subjectAltName=DNS:dovecot,DNS:localhost" \
    -keyout "$MAIL/tls/key.pem" -out "$CERTS/dovecot.pem" 2>/dev/null
  chmod 0600 "$MAIL/tls/key.pem"
  chmod 0644 "$CERTS/dovecot.pem"
fi

umask 077
printf '%s:%s::::::\n' "$TRIAL_USER" "$TRIAL_PASSWORD" > "$CONF_DIR/trial-users.new"
mv "$CONF_DIR/trial-users.new" "$CONF_DIR/trial-users"
chown root:dovecot "$CONF_DIR/trial-users" 2>/dev/null || true
chmod 0640 "$CONF_DIR/trial-users"
umask 022

box="$MAIL/$TRIAL_USER/Maildir"
if [ ! -d "$box" ]; then
  for folder in "" .Sent; do
    mkdir -p "$box/$folder/cur" "$box/$folder/new" "$box/$folder/tmp"
  done
  n=0
  for f in "$SEED"/INBOX/*.eml; do
    n=$((n + 1))
    cp "$f" "$box/cur/1767225600.trial$n.dovecot:2,S"
  done
  for f in "$SEED"/Sent/*.eml; do
    n=$((n + 1))
    cp "$f" "$box/.Sent/cur/1767225600.trial$n.dovecot:2,S"
  done
  chown -R vmail:vmail "$MAIL/$TRIAL_USER"
fi

exec dovecot -F -c "$CONF_DIR/dovecot.conf"
