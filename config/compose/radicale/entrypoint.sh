#!/bin/sh
# Starts the trial's Radicale: writes the user rep with the password
# TRIAL_PASSWORD, seeds rep's calendar "work" at the first start, then
# runs Radicale in the foreground.
set -eu
: "${TRIAL_PASSWORD:?set TRIAL_PASSWORD}"
DATA=${DATA:-/var/lib/trial-radicale}
CONF=${CONF:-/etc/radicale/trial.conf}
SEED=${SEED:-/opt/trial/seed}
TRIAL_USER=${TRIAL_USER:-rep}

umask 077
printf '%s:%s\n' "$TRIAL_USER" "$TRIAL_PASSWORD" > "$DATA/users.new"
mv "$DATA/users.new" "$DATA/users"
umask 022

home="$DATA/collections/collection-root/$TRIAL_USER"
if [ ! -d "$home" ]; then
  mkdir -p "$home"
  cp -R "$SEED/work" "$home/work"
fi

exec radicale -C "$CONF"
