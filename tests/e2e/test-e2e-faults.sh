#!/usr/bin/env bash
# The agent's spool against the real API on loopback: one agent registered
# through `setup` and `registration accept` monitors two NTP servers while
# ntppool-monitor-api is stopped during its submissions and, once, the agent
# itself is killed with SIGKILL with batches in its spool. Every measured
# batch must reach log_scores exactly once. Its `setup` starts while the
# database is down, so the API answers 503 and setup has to retry.
#
# The agent asks the API for servers before each batch, so the API is
# stopped right after it answered: the batch is measured and then cannot be
# submitted. A trigger keeps the servers due (the shortest interval the API
# allows is 20 s) and records each GetServers in e2e_queued.
# shellcheck source=e2e-lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/e2e-lib.sh"

start_mariadb
add_accounts_and_settings
sql "INSERT INTO servers (ip, ip_version, account_id, hostname, created_on) VALUES
       ('127.0.0.2', 'v4', 2, 'good.example', NOW()),
       ('127.0.0.3', 'v4', 2, 'offset.example', NOW());
     CREATE TABLE e2e_queued (id INT AUTO_INCREMENT PRIMARY KEY, server_id INT NOT NULL);"
mariadb --socket="$work/mysql.sock" ntppool <<'SQL' || fail "could not create the trigger"
DELIMITER //
CREATE TRIGGER e2e_always_due BEFORE UPDATE ON server_scores FOR EACH ROW
BEGIN
  IF NEW.queue_ts IS NOT NULL THEN
    INSERT INTO e2e_queued (server_id) VALUES (NEW.server_id);
    SET NEW.queue_ts = NULL;
  END IF;
END//
DELIMITER ;
SQL
ok "MariaDB with the pool's schema and two servers"

"$fake_ntp" --address 127.0.0.2 --port "$ntp_port" >"$work/ntp-good.log" 2>&1 &
pids+=($!)
"$fake_ntp" --address 127.0.0.3 --port "$ntp_port" --offset-ms 100 >"$work/ntp-offset.log" 2>&1 &
pids+=($!)

make_api_config
start_api
agent_env

# --- setup while the database is down: 5xx, retried ---------------------------
stop_mariadb
# shellcheck disable=SC2046
"$agent" $(agent_args first) --dbus=none setup --hostname e2e-first </dev/null \
  >"$work/setup.log" 2>&1 &
setup_pid=$!
pids+=($!)
server_error() { grep -q "server error 503" "$work/setup.log"; }
wait_for 30 "setup did not get a 503 from the API without its database" server_error
run_mariadbd
has_registration() { [ -n "$(registration first)" ]; }
wait_for 40 "setup did not retry after the 503" has_registration
ok "setup retried after the API answered 503 (database down)"
"$api" --config "$work/api.conf" registration accept "$(registration first)" --account 1 \
  >"$work/accept.log" 2>&1 || fail "registration accept failed"
wait "$setup_pid" || fail "agent setup failed"
mon=$(sql "SELECT id FROM monitors WHERE ip = '127.0.0.1' AND type = 'monitor'")
[ -n "$mon" ] || fail "accepting the registration made no monitor"
sql "UPDATE monitors SET status = 'active' WHERE id = $mon;
     INSERT INTO server_scores (monitor_id, server_id, score_raw, status, created_on)
       SELECT $mon, id, 0, 'active', NOW() FROM servers"
ok "an agent registered through setup and accepted, monitor $mon"

agent_runs=0
agent_pid=
start_agent() {
  agent_runs=$((agent_runs + 1))
  # shellcheck disable=SC2046
  "$agent" $(agent_args first) --dbus=none monitor >"$work/monitor-$agent_runs.log" 2>&1 &
  agent_pid=$!
  pids+=($!)
}
start_agent

spool="$work/first/devel/spool"
spooled() { find "$spool" -maxdepth 1 -name '*.batch' 2>/dev/null | wc -l; }
spool_has() { [ "$(spooled)" -ge "$1" ]; }
spool_empty() { [ "$(spooled)" = 0 ]; }
queued() { sql "SELECT COUNT(*) FROM e2e_queued"; }
queued_above() { [ "$(queued)" -gt "$1" ]; }
# rows of the monitor for server $1; with $2: only those inserted after row
# $2 and measured before $3
# shellcheck disable=SC2016 # $3 is expanded, inside the double quotes
rows() {
  sql "SELECT COUNT(${2:+DISTINCT }l.ts) FROM log_scores l JOIN servers s ON s.id = l.server_id
       WHERE l.monitor_id = $mon AND s.ip = '$1'
         ${2:+AND l.id > $2 AND l.ts < '$3'}"
}
each_server_has() { [ "$(rows 127.0.0.2)" -ge 1 ] && [ "$(rows 127.0.0.3)" -ge 1 ]; }
now() { date -u '+%F %T'; }
# batches the agent measured: submitted ones and spooled ones
measured() { cat "$work"/monitor-*.log | grep -cE 'batch processing count=|kept in the spool' || true; }

wait_for 45 "no results from the agent in log_scores" each_server_has
ok "the agent's first batch reaches log_scores"

# Waits for the next GetServers, stops the API while the agent measures and
# waits until the batch is in the spool.
spool_next_batch() {
  local q n
  q=$(queued)
  n=$(spooled)
  wait_for 30 "the agent asked for no servers" queued_above "$q"
  sleep 1
  stop_process "$api_pid"
  wait_for 30 "the batch measured while the API was down did not reach the spool" \
    spool_has $((n + 1))
}
last_row() { sql "SELECT IFNULL(MAX(id), 0) FROM log_scores"; }
# Restarts the API a second after the last spooled batch was measured:
# rows inserted after row $1 and measured before $restarted came from the spool.
restarted=
restart_api() {
  sleep 1
  restarted=$(now)
  start_api
}
# each server has $3 rows (with distinct ts) inserted after row $2 and
# measured before the restart
check_spooled() {
  local ip n
  for ip in 127.0.0.2 127.0.0.3; do
    n=$(rows "$ip" "$2" "$restarted")
    if [ "$n" = "$3" ]; then ok "$1: $ip got the $3 spooled results once each"; else
      not_ok "$1: $ip got $n distinct spooled results, expected $3"
    fi
  done
}

# --- 1: the API is down for two submissions -----------------------------------
spool_next_batch
before=$(last_row)
stopped=$(now)
ok "API stopped: the agent's batch is in the spool"
start_api
spool_next_batch
[ "$(spooled)" = 2 ] || fail "spool holds $(spooled) batches, expected 2"
ok "API stopped again: two batches in the spool"
restart_api
wait_for 60 "the spool did not drain after the API came back" spool_empty
ok "API back: the spool drained"
check_spooled "API down" "$before" 2
inside=$(sql "SELECT COUNT(*) FROM log_scores WHERE monitor_id = $mon
              AND ts > '$stopped' AND ts < '$restarted'")
if [ "$inside" -ge 2 ]; then ok "$inside rows measured while the API was down"; else
  not_ok "$inside rows measured while the API was down, expected 2"
fi

# --- 2: SIGKILL of the agent with a batch in the spool ------------------------
spool_next_batch
before=$(last_row)
stop_process "$agent_pid" KILL
[ "$(spooled)" = 1 ] || fail "spool holds $(spooled) batches after SIGKILL, expected 1"
ok "agent killed with SIGKILL with one batch in the spool"
restart_api
start_agent
wait_for 60 "the spool did not drain after the restart" spool_empty
if grep -q "1 batches in the spool from before" "$work/monitor-$agent_runs.log"; then
  ok "the restarted agent found the batch in its spool"
else
  not_ok "the restarted agent did not report the batch in its spool"
fi
check_spooled "agent killed" "$before" 1

# --- all batches exactly once -------------------------------------------------
# No more due servers: the agent goes idle and its count of batches settles.
sql "DROP TRIGGER e2e_always_due; UPDATE server_scores SET queue_ts = NOW() WHERE monitor_id = $mon"
all_arrived() {
  local m
  m=$(measured)
  spool_empty && [ "$(rows 127.0.0.2)" = "$m" ] && [ "$(rows 127.0.0.3)" = "$m" ]
}
for _ in $(seq 1 150); do
  all_arrived && break
  sleep 0.2
done
m=$(measured)
got="$(rows 127.0.0.2) and $(rows 127.0.0.3)"
if all_arrived; then ok "each server has one row per measured batch ($m batches)"; else
  not_ok "the servers have $got rows for the $m measured batches"
fi
dups=$(sql "SELECT COUNT(*) FROM (SELECT server_id, ts FROM log_scores WHERE monitor_id = $mon
                                  GROUP BY server_id, ts HAVING COUNT(*) > 1) d")
if [ "$dups" = 0 ]; then ok "no two rows of a server with the same ts"; else
  not_ok "$dups server/ts pairs with more than one row"
fi

finish
