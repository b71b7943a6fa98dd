#!/usr/bin/env bash
# End to end on loopback: a private MariaDB with the pool's schema, three NTP
# servers (good, 100 ms off, silent), ntppool-monitor-api over TLS with its
# registration web API, two agents registered through `setup` and accepted
# with `registration accept`, both running `monitor`, and the scorer.
# Checks what lands in log_scores and server_scores.
#
# The second agent stands for a monitor in another network: the web API
# records a registration's address from the TCP peer, which on one host is
# 127.0.0.1 for both agents, so a trigger gives the second agent's
# registration the address 127.0.0.5, and it becomes a second monitor.
# shellcheck source=e2e-lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/e2e-lib.sh"

# --- MariaDB ------------------------------------------------------------------
start_mariadb
add_accounts_and_settings
sql "INSERT INTO servers (ip, ip_version, account_id, hostname, created_on) VALUES
       ('127.0.0.2', 'v4', 2, 'good.example', NOW()),
       ('127.0.0.3', 'v4', 2, 'offset.example', NOW()),
       ('127.0.0.4', 'v4', 2, 'silent.example', NOW());
     -- the second agent is in another network: its registration's address
     CREATE TRIGGER e2e_reg_insert BEFORE INSERT ON monitor_registrations FOR EACH ROW
       SET NEW.ip4 = IF(NEW.hostname = 'e2e-second', '127.0.0.5', NEW.ip4);
     CREATE TRIGGER e2e_reg_update BEFORE UPDATE ON monitor_registrations FOR EACH ROW
       SET NEW.ip4 = IF(NEW.hostname = 'e2e-second', '127.0.0.5', NEW.ip4);"
ok "MariaDB with the pool's schema and three servers"

# --- NTP servers --------------------------------------------------------------
"$fake_ntp" --address 127.0.0.2 --port "$ntp_port" >"$work/ntp-good.log" 2>&1 &
pids+=($!)
"$fake_ntp" --address 127.0.0.3 --port "$ntp_port" --offset-ms 100 >"$work/ntp-offset.log" 2>&1 &
pids+=($!)
"$fake_ntp" --address 127.0.0.4 --port "$ntp_port" --silent >"$work/ntp-silent.log" 2>&1 &
pids+=($!)

# --- TLS and the API server ---------------------------------------------------
make_api_config
start_api
ok "API server over TLS with its registration web API"

# --- two agents: setup, accepted by the operator ------------------------------
agent_env
setup_pids=()
for name in first second; do
  # shellcheck disable=SC2046
  "$agent" $(agent_args "$name") --dbus=none setup --hostname "e2e-$name" </dev/null \
    >"$work/setup-$name.log" 2>&1 &
  pids+=($!)
  setup_pids+=($!)
done
has_registrations() { [ -n "$(registration first)" ] && [ -n "$(registration second)" ]; }
wait_for 30 "the agents' registrations did not appear" has_registrations
for name in first second; do
  "$api" --config "$work/api.conf" registration accept "$(registration "$name")" --account 1 \
    >"$work/accept-$name.log" 2>&1 || fail "registration accept ($name) failed"
done
for pid in "${setup_pids[@]}"; do
  wait "$pid" || fail "agent setup failed"
done
ok "two agents registered through setup and accepted"

[ "$(sql "SELECT COUNT(DISTINCT tls_name) FROM monitors WHERE type = 'monitor'
          AND tls_name NOT LIKE '%.system' AND ip IN ('127.0.0.1', '127.0.0.5')")" = 2 ] ||
  fail "accepting the registrations did not make two monitors (127.0.0.1, 127.0.0.5)"
ok "two monitors, 127.0.0.1 and 127.0.0.5"

# registered with --no-ipv6, as on a host without IPv6: no IPv6 anywhere
[ "$(sql "SELECT COUNT(*) FROM monitor_registrations WHERE hostname LIKE 'e2e-%' AND ip6 <> ''")" = 0 ] ||
  fail "setup --no-ipv6 left an IPv6 address in the registrations"
[ "$(sql "SELECT COUNT(*) FROM monitors WHERE type = 'monitor' AND ip_version = 'v6'")" = 0 ] ||
  fail "setup --no-ipv6 made an IPv6 monitor"
ok "setup --no-ipv6: no IPv6 registration address, no IPv6 monitor"

sql "UPDATE monitors SET status = 'active' WHERE type = 'monitor' AND tls_name NOT LIKE '%.system';
     INSERT INTO server_scores (monitor_id, server_id, score_raw, status, created_on)
       SELECT m.id, s.id, 0, 'active', NOW() FROM monitors m, servers s
       WHERE m.type = 'monitor' AND m.tls_name NOT LIKE '%.system'"

for name in first second; do
  # shellcheck disable=SC2046
  "$agent" $(agent_args "$name") --dbus=none monitor >"$work/monitor-$name.log" 2>&1 &
  pids+=($!)
done

# --- results ------------------------------------------------------------------
monitor_id() { sql "SELECT id FROM monitors WHERE ip = '$1' AND type = 'monitor'"; }
first_id=$(monitor_id 127.0.0.1)
second_id=$(monitor_id 127.0.0.5)
# rows in log_scores from monitor $1 for server $2
rows() {
  sql "SELECT COUNT(*) FROM log_scores l JOIN servers s ON s.id = l.server_id
       WHERE l.monitor_id = $1 AND s.ip = '$2'"
}
# at least $2 rows from monitor $1 for each server
each_server_has() {
  for ip in 127.0.0.2 127.0.0.3 127.0.0.4; do
    [ "$(rows "$1" "$ip")" -ge "$2" ] || return 1
  done
}
wait_for 45 "no log_scores rows from the first agent for every server" each_server_has "$first_id" 1
ok "the first agent's results reach log_scores for all three servers"

"$scorer" scorer setup >"$work/scorer-setup.log" 2>&1 || fail "scorer setup failed"
"$scorer" scorer server --metrics-port 0 >"$work/scorer.log" 2>&1 &
pids+=($!)

wait_for 45 "no log_scores rows from the second agent for every server" each_server_has "$second_id" 1
ok "the second agent appears as a second monitor in log_scores for all three servers"

# A second round of the first agent, to check the running score.
wait_for 45 "no second round of results from the first agent" each_server_has "$first_id" 2
ok "a second round of results from the first agent"

# offset, step and score of monitor $1's rows for server $2, oldest first
results() {
  sql "SELECT IFNULL(l.offset, 'NULL'), l.step, l.score FROM log_scores l
       JOIN servers s ON s.id = l.server_id
       WHERE l.monitor_id = $1 AND s.ip = '$2' ORDER BY l.id"
}
# Checks every row: the offset is in [lo, hi] (or NULL when lo is NULL), the
# step is what scorer.md §3.5 gives for that offset, and the score is
# 0.95 × the previous score + step.
check_rows() { # monitor, server ip, description, lo, hi
  local out
  out=$(results "$1" "$2" | awk -F'\t' -v lo="$4" -v hi="$5" '
    function absv(x) { return x < 0 ? -x : x }
    function step_for(o,   x, s) {
      if (o == "NULL") return -4
      x = absv(o)
      if (x > 3) return -4
      if (x > 0.75) return -2
      if (x > 0.025) {
        s = x <= 0.100 ? -6.667 * x + 1.167 : -2.308 * x + 0.731
        return s > 1 ? 1 : s
      }
      return 1
    }
    {
      n++
      if (lo == "NULL") {
        if ($1 != "NULL") { print "row " n ": offset " $1 ", expected none"; exit 1 }
        want = -5 # no response
      } else {
        if ($1 == "NULL" || $1 + 0 < lo || $1 + 0 > hi) {
          print "row " n ": offset " $1 " outside [" lo ", " hi "]"; exit 1
        }
        want = step_for($1)
      }
      if (absv($2 - want) > 1e-6) { print "row " n ": step " $2 ", expected " want; exit 1 }
      if (absv($3 - (prev * 0.95 + $2)) > 1e-6) {
        print "row " n ": score " $3 ", expected " prev * 0.95 + $2; exit 1
      }
      prev = $3
    }
    END { if (n == 0) { print "no rows"; exit 1 } }') || {
    not_ok "$3 (monitor $1, server $2): $out"
    return
  }
  ok "$3 (monitor $1, server $2)"
}
for m in "$first_id" "$second_id"; do
  check_rows "$m" 127.0.0.2 "good server: offset within 5 ms, step +1" -0.005 0.005
  check_rows "$m" 127.0.0.3 "100 ms server: offset 100±5 ms, linear step" 0.095 0.105
  check_rows "$m" 127.0.0.4 "silent server: no offset, step -5" NULL NULL
done

# A couple of exact values: the first agent's first two rows.
exact() { # monitor, server ip, expected "step score" of the first two rows
  local got
  got=$(results "$1" "$2" | head -n 2 | awk -F'\t' '{ printf "%s%.4f %.4f", (NR > 1 ? " " : ""), $2, $3 }')
  if [ "$got" = "$3" ]; then ok "first two rows of $2: step/score $3"; else
    not_ok "first two rows of $2: step/score $got, expected $3"
  fi
}
exact "$first_id" 127.0.0.2 "1.0000 1.0000 1.0000 1.9500"
exact "$first_id" 127.0.0.4 "-5.0000 -5.0000 -5.0000 -9.7500"
step100=$(results "$first_id" 127.0.0.3 | head -n 1 | cut -f 2)
if awk -v s="$step100" 'BEGIN { exit !(s > 0.49 && s < 0.51) }'; then
  ok "100 ms off: step $step100 ≈ 0.5"
else
  not_ok "100 ms off: step $step100, expected ≈ 0.5"
fi

# server_scores holds each monitor's latest score of each server.
stale=$(sql "SELECT COUNT(*) FROM server_scores ss
             WHERE ss.monitor_id IN ($first_id, $second_id) AND (ss.score_ts IS NULL
               OR ABS(ss.score_raw - (SELECT l.score FROM log_scores l
                                      WHERE l.monitor_id = ss.monitor_id
                                        AND l.server_id = ss.server_id
                                      ORDER BY l.id DESC LIMIT 1)) > 1e-9)")
if [ "$stale" = 0 ]; then ok "server_scores holds the latest score of each server and monitor"; else
  not_ok "$stale server_scores rows do not match the latest log_scores score"
fi

# The scorer turns the monitors' scores into the servers' pool scores.
scored() {
  [ "$(sql "SELECT COUNT(DISTINCT l.server_id) FROM log_scores l
            JOIN monitors m ON m.id = l.monitor_id WHERE m.type = 'score'")" = 3 ]
}
wait_for 30 "the scorer wrote no scores for the three servers" scored
pool=$(sql "SELECT ip, score_raw FROM servers ORDER BY ip" | awk -F'\t' '{ printf "%s=%s ", $1, $2 }')
if sql "SELECT score_raw FROM servers WHERE ip = '127.0.0.2'" | awk '{ exit !($1 > 0) }' &&
  sql "SELECT score_raw FROM servers WHERE ip = '127.0.0.4'" | awk '{ exit !($1 < 0) }'; then
  ok "scorer: the servers' pool scores ($pool)"
else
  not_ok "scorer: pool scores $pool (good should be > 0, silent < 0)"
fi

finish
