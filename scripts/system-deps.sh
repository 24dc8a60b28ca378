#!/usr/bin/env bash
# Installs the Debian packages and starts the servers that the integration and end-to-end
# tests use. Locally, without root, it only says what is missing (those tests then skip loudly);
# under CI=true a missing piece is an error.
set -u
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || [ -x /usr/bin/prometheus-alertmanager ] || need+=(prometheus-alertmanager)
command -v openssl >/dev/null 2>&1 || need+=(openssl)  # TLS certificates for the sender tests
[ -x /usr/bin/chromium ] || need+=(chromium)  # the web UI's browser tests (Playwright drives it)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "system-deps: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # The packages would start their own daemons; the tests start private instances instead.
    # A policy-rc.d that answers 101 tells Debian's maintainer scripts not to start any service,
    # so nothing needs stopping afterwards (and nobody else's process is touched).
    policy=/usr/sbin/policy-rc.d
    made_policy=false
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=true
    fi
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    status=$?
    [ "$made_policy" = true ] && rm -f "$policy"
    if [ $status -ne 0 ]; then
      echo "system-deps: could not install ${need[*]}" >&2
      [ "${CI:-}" = true ] && exit 1
    fi
  else
    echo "system-deps: missing ${need[*]} (not root: end-to-end tests will skip)" >&2
  fi
fi
if command -v pg_ctlcluster >/dev/null && ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start 2>/dev/null || true
fi
exit 0
