#!/usr/bin/env bash
# `meson install --destdir` into a temporary directory: the tree holds what
# an operator needs, and the installed agent, run from there, finds its
# installed plugins (no build tree, no NTPMON_PLUGIN_PATH).
set -euo pipefail

fail() { echo "not ok - $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || fail "$1 is missing: install the Debian package $2"; }
need dbus-run-session dbus-daemon
need msgunfmt gettext

build=${NTPMON_BUILD_ROOT:?run me through meson test}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
prefix=$(meson introspect "$build" --buildoptions |
  python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
root="$dest$prefix"

expect() {
  local matches
  matches=$(cd "$dest" && compgen -G "${1#/}" || true)
  [ -n "$matches" ] || fail "not installed: $1"
  echo "ok - installed $1"
}
expect "$prefix/bin/ntppool-agent"
expect "$prefix/bin/ntppool-monitor-api"
expect "$prefix/lib/systemd/system/ntppool-monitor-api.service"
expect "$prefix/share/ntppool-monitor/ntppool-ca.pem"
expect "$prefix/share/ntppool-monitor/schema.sql"
expect "$prefix/bin/ntppool-monitor-scorer"
expect "$prefix/lib/systemd/system/ntppool-monitor-scorer.service"
expect "$prefix/lib/systemd/system/ntppool-monitor-selector.service"
expect "$prefix/share/man/man1/ntppool-monitor-scorer.1"
expect "$prefix/lib/*/ntppool-monitor/libntpmon.so"
for p in ntp traceroute scorer selector mqtt; do
  expect "$prefix/lib/*/ntppool-monitor/plugins/$p.plugin"
  expect "$prefix/lib/*/ntppool-monitor/plugins/libntpmon-$p.so"
done
expect "$prefix/lib/systemd/system/ntppool-agent@.service"
expect "$prefix/lib/sysusers.d/ntppool-agent.conf"
expect "$prefix/lib/tmpfiles.d/ntppool-agent.conf"
expect "$prefix/share/dbus-1/interfaces/org.ntppool.Agent1.xml"
expect "$prefix/share/dbus-1/system.d/org.ntppool.Agent1.conf"
expect "$prefix/share/man/man1/ntppool-agent.1"
expect "$prefix/share/locale/de/LC_MESSAGES/ntppool-monitor.mo"
sysconf=$(compgen -G "$dest/*etc" || compgen -G "$root/etc")
[ -f "$sysconf/ntppool-agent/ntppool-agent.conf" ] || fail "default config not installed"
[ -f "$sysconf/ntppool-monitor/monitor-scorer.conf" ] || fail "scorer config not installed"
grep -qx 'MONITOR_STATE_DIR=/var/lib/ntppool-agent' "$sysconf/default/ntppool-agent" ||
  fail "/etc/default/ntppool-agent wrong"
echo "ok - default config and /etc/default/ntppool-agent"

unit="$root/lib/systemd/system/ntppool-agent@.service"
for directive in 'User=ntpmon' 'StateDirectory=ntppool-agent' 'ProtectSystem=strict' \
                 'NoNewPrivileges=yes' "ExecStart=$prefix/bin/ntppool-agent --env %i --dbus=system monitor"; do
  grep -qxF "$directive" "$unit" || fail "unit lacks $directive"
done
echo "ok - unit is hardened and runs the installed agent"

german=$(msgunfmt "$root/share/locale/de/LC_MESSAGES/ntppool-monitor.mo")
grep -q 'Befehle:' <<<"$german" ||
  fail "German translation lacks the help text"
echo "ok - German translation"

# The installed agent with its installed plugins, on a private bus.
unset NTPMON_PLUGIN_PATH
cp "$sysconf/ntppool-agent/ntppool-agent.conf" "$dest/agent.conf"
status=$(NTPMON_DEFAULTS_FILE=/nonexistent dbus-run-session -- bash -c '
  "$1/bin/ntppool-agent" --config "$2/agent.conf" --state-dir "$2/state" --dbus=session monitor \
    2>"$2/agent.log" &
  agent=$!
  for _ in $(seq 1 100); do
    out=$("$1/bin/ntppool-agent" --dbus=session status 2>/dev/null) && break
    sleep 0.1
  done
  kill -TERM $agent; wait $agent
  echo "$out"' _ "$root" "$dest")
echo "$status" | grep -qx 'LoadedPlugins    mqtt ntp traceroute' ||
  fail "installed agent did not load its plugins: $status $(cat "$dest/agent.log")"
echo "ok - installed agent loads the installed plugins"
echo "1 passed, 0 failed"
