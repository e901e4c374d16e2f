#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian packages listed in tools/debian-packages.txt that are
# not installed yet. Idempotent: a machine that has them all is left alone.
set -eu
here=$(dirname "$0")
list="$here/debian-packages.txt"
missing=""
for pkg in $(grep -v '^#' "$list"); do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages:$missing" >&2
    echo "install-deps: run 'sudo make deps' (needs root for apt-get)" >&2
    exit 2
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# crowdsec's post-install registers with CrowdSec's central API (and fails
# offline) unless this file exists and is not empty; the tests run their own
# LAPI with their own config and never use the central API.
case " $missing " in
    *" crowdsec "*)
        mkdir -p /etc/crowdsec
        [ -s /etc/crowdsec/online_api_credentials.yaml ] ||
            echo "# no central API: xnft's tests run the LAPI alone" \
                >/etc/crowdsec/online_api_credentials.yaml ;;
esac
# crowdsec-firewall-bouncer (the benchmark's comparison) enables and starts
# its unit at install, which would put its own table into the host's
# ruleset: masked first (its postinst leaves a mask it did not make alone);
# the benchmark runs it by hand, in a namespace.
case " $missing " in
    *" crowdsec-firewall-bouncer "*)
        mkdir -p /etc/systemd/system
        [ -e /etc/systemd/system/crowdsec-firewall-bouncer.service ] ||
            ln -s /dev/null /etc/systemd/system/crowdsec-firewall-bouncer.service ;;
esac
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
