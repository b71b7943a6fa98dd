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
set -euo pipefail

passed=0
failed=0
ok() {
  echo "ok - $*"
  passed=$((passed + 1))
}
not_ok() {
  echo "not ok - $*"
  failed=$((failed + 1))
}
fail() {
  echo "not ok - $*" >&2
  show_logs
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
}
need() { command -v "$1" >/dev/null || fail "$1 is missing: install the Debian package $2"; }
need mariadbd mariadb-server
need mariadb-install-db mariadb-server
need mariadb mariadb-client
need openssl openssl
need curl curl
need python3 python3

build=${NTPMON_BUILD_ROOT:?run me through meson test}
source_root=${NTPMON_SOURCE_ROOT:?run me through meson test}
agent="$build/core/ntppool-agent"
api="$build/core/ntppool-monitor-api"
scorer="$build/core/ntppool-monitor-scorer"
fake_ntp="$build/tests/tools/ntpmon-fake-ntp-server"

work=$(mktemp -d /tmp/ntpmon-e2e-XXXXXX)
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${NTPMON_E2E_KEEP:-0}" = 1 ]; then echo "# work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
show_logs() {
  for log in "$work"/*.log; do
    [ -f "$log" ] || continue
    echo "# --- ${log##*/} (last lines)"
    tail -n 15 "$log" | sed 's/^/# /'
  done >&2
}
# seconds, description, command...: polls the command every 0.2 s
wait_for() {
  local n=$(($1 * 5)) what=$2
  shift 2
  for _ in $(seq 1 "$n"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "$what (waited $((n / 5)) s)"
}

# Free ports: four TCP ports on 127.0.0.1 (RPC, web, health; one spare) and
# one UDP port free on 127.0.0.2-4, the NTP servers' shared port.
read -r rpc_port web_port health_port ntp_port < <(python3 - <<'PY'
import socket
tcp = []
for _ in range(3):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    tcp.append(s)
for _ in range(100):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.2", 0))
    port = u.getsockname()[1]
    try:
        for ip in ("127.0.0.3", "127.0.0.4"):
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind((ip, port))
        break
    except OSError:
        u.close()
print(*[s.getsockname()[1] for s in tcp], port)
PY
)

export NTPMON_DEFAULTS_FILE=/nonexistent
export GIO_USE_PROXY_RESOLVER=dummy

# --- MariaDB ------------------------------------------------------------------
mariadb-install-db --no-defaults --datadir="$work/db" --user="$(id -un)" --skip-test-db \
  --auth-root-authentication-method=normal >"$work/mariadb-install.log" 2>&1 ||
  fail "mariadb-install-db failed"
mariadbd --no-defaults --datadir="$work/db" --socket="$work/mysql.sock" --skip-networking \
  --user="$(id -un)" --pid-file="$work/mariadb.pid" --log-error="$work/mariadb.log" \
  --innodb-buffer-pool-size=32M --innodb-flush-log-at-trx-commit=2 --innodb-log-file-size=16M \
  >/dev/null 2>&1 &
pids+=($!)
wait_for 60 "MariaDB did not come up" mariadb-admin --socket="$work/mysql.sock" ping
sql() { mariadb --socket="$work/mysql.sock" -N -B ntppool -e "$1"; }
mariadb --socket="$work/mysql.sock" -e 'CREATE DATABASE ntppool'
export DATABASE_DSN="root@unix($work/mysql.sock)/ntppool?parseTime=true"
export DEPLOYMENT_MODE=devel
"$api" db init --schema "$source_root/data/schema.sql" >"$work/db-init.log" 2>&1 ||
  fail "db init failed"
sql "INSERT INTO accounts (id, name, created_on) VALUES (1, 'e2e monitors', NOW()),
                                                       (2, 'e2e servers', NOW());
     INSERT INTO servers (ip, ip_version, account_id, hostname, created_on) VALUES
       ('127.0.0.2', 'v4', 2, 'good.example', NOW()),
       ('127.0.0.3', 'v4', 2, 'offset.example', NOW()),
       ('127.0.0.4', 'v4', 2, 'silent.example', NOW());
     INSERT INTO monitors (type, hostname, tls_name, ip_version, status, config, created_on)
       VALUES ('monitor', 'settings', 'settings-v4.system', 'v4', 'active',
               '{\"samples\": 3, \"base_checks\": [\"127.0.0.2\"]}', NOW());
     INSERT INTO system_settings (\`key\`, value, created_on) VALUES ('monitors',
       '{\"interval_active\": \"20s\", \"interval_testing\": \"60s\", \"interval_all\": \"10s\"}',
       NOW());
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
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=ntppool-monitor e2e CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
  -CAcreateserial -days 2 -extfile "$work/ext" -out "$work/server.pem" 2>/dev/null ||
  fail "could not make the server certificate"

mkdir -p "$work/api"
cat >"$work/api.conf" <<CONF
[api]
state-dir=$work/api
registration-url=https://127.0.0.1:$web_port/monitor/registration/
CONF
"$api" --config "$work/api.conf" keys add >/dev/null
"$api" --config "$work/api.conf" server --listen "127.0.0.1:$rpc_port" \
  --web-listen "127.0.0.1:$web_port" --health-listen "127.0.0.1:$health_port" --metrics-port 0 \
  --tls.cert "$work/server.pem" --tls.key "$work/server.key" --client-ca "$work/ca.pem" \
  --monitor-domain mon.ntppool.dev >"$work/api.log" 2>&1 &
pids+=($!)
wait_for 30 "the API server did not come up" curl -sf "http://127.0.0.1:$health_port/__health"
ok "API server over TLS with its registration web API"

# --- two agents: setup, accepted by the operator ------------------------------
export API_HOST="https://127.0.0.1:$web_port"
export NTPMON_WEBAPI_CA_FILE="$work/ca.pem"
export DEVEL_API_SERVER="https://127.0.0.1:$rpc_port"
cat >"$work/agent.conf" <<CONF
[ntp]
allow-private-targets=true
[monitor]
ca-file=$work/ca.pem
ntp-port=$ntp_port
CONF
agent_args() { echo --env devel --state-dir "$work/$1" --config "$work/agent.conf" --no-ipv6; }
setup_pids=()
for name in first second; do
  # shellcheck disable=SC2046
  "$agent" $(agent_args "$name") --dbus=none setup --hostname "e2e-$name" </dev/null \
    >"$work/setup-$name.log" 2>&1 &
  pids+=($!)
  setup_pids+=($!)
done
registration() {
  sql "SELECT id FROM monitor_registrations WHERE hostname = 'e2e-$1' AND status = 'pending'"
}
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

[ "$failed" = 0 ] || show_logs
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
