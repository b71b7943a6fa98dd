# Shared setup of the end to end tests, sourced by test-e2e*.sh: checks,
# reporting, the work directory and its cleanup, free ports, a private
# MariaDB with the pool's schema, a CA and server certificate, the API
# server over TLS (startable again with the same flags) and the agents'
# configuration and registration.
# shellcheck shell=bash disable=SC2034
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
# the final line and exit status
finish() {
  [ "$failed" = 0 ] || show_logs
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}

# Free ports: three TCP ports on 127.0.0.1 (RPC, web, health) and one UDP
# port free on 127.0.0.2-4, the NTP servers' shared port.
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

# MariaDB on a socket in the work directory, database ntppool with the schema.
sql() { mariadb --socket="$work/mysql.sock" -N -B ntppool -e "$1"; }
# Starts mariadbd on the data directory (again after stop_mariadb); its
# process id is in mariadb_pid.
mariadb_pid=
run_mariadbd() {
  mariadbd --no-defaults --datadir="$work/db" --socket="$work/mysql.sock" --skip-networking \
    --user="$(id -un)" --pid-file="$work/mariadb.pid" --log-error="$work/mariadb.log" \
    --innodb-buffer-pool-size=32M --innodb-flush-log-at-trx-commit=2 --innodb-log-file-size=16M \
    >/dev/null 2>&1 &
  mariadb_pid=$!
  pids+=($!)
  wait_for 60 "MariaDB did not come up" mariadb-admin --socket="$work/mysql.sock" ping
}
stop_mariadb() { stop_process "$mariadb_pid"; }
start_mariadb() {
  mariadb-install-db --no-defaults --datadir="$work/db" --user="$(id -un)" --skip-test-db \
    --auth-root-authentication-method=normal >"$work/mariadb-install.log" 2>&1 ||
    fail "mariadb-install-db failed"
  run_mariadbd
  mariadb --socket="$work/mysql.sock" -e 'CREATE DATABASE ntppool'
  export DATABASE_DSN="root@unix($work/mysql.sock)/ntppool?parseTime=true"
  export DEPLOYMENT_MODE=devel
  "$api" db init --schema "$source_root/data/schema.sql" >"$work/db-init.log" 2>&1 ||
    fail "db init failed"
}

# A CA, a server certificate for 127.0.0.1 and the API's configuration.
make_api_config() {
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
}

# Starts the API server (appending to api.log) and waits until it is
# healthy; its process id is in api_pid.
api_pid=
start_api() {
  "$api" --config "$work/api.conf" server --listen "127.0.0.1:$rpc_port" \
    --web-listen "127.0.0.1:$web_port" --health-listen "127.0.0.1:$health_port" --metrics-port 0 \
    --tls.cert "$work/server.pem" --tls.key "$work/server.key" --client-ca "$work/ca.pem" \
    --monitor-domain mon.ntppool.dev >>"$work/api.log" 2>&1 &
  api_pid=$!
  pids+=($!)
  wait_for 30 "the API server did not come up" curl -sf "http://127.0.0.1:$health_port/__health"
}

# The agents' environment and configuration file.
agent_env() {
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
}
agent_args() { echo --env devel --state-dir "$work/$1" --config "$work/agent.conf" --no-ipv6; }
# the pending registration of the agent set up with hostname e2e-$1
registration() {
  sql "SELECT id FROM monitor_registrations WHERE hostname = 'e2e-$1' AND status = 'pending'"
}
# Stops the process $1 with signal $2 (default TERM) and reaps it.
stop_process() {
  local pid=$1 keep=()
  kill "-${2:-TERM}" "$pid"
  for _ in $(seq 1 150); do
    case $(ps -o stat= -p "$pid" 2>/dev/null || true) in "" | Z*) break ;; esac
    sleep 0.2
  done
  case $(ps -o stat= -p "$pid" 2>/dev/null || true) in
    "" | Z*) ;;
    *) fail "process $pid did not stop on SIG${2:-TERM}" ;;
  esac
  wait "$pid" 2>/dev/null || true
  for p in "${pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}

# Accounts 1 (monitors) and 2 (servers), the settings monitor (3 samples,
# base check 127.0.0.2) and the monitors' intervals (the shortest allowed).
add_accounts_and_settings() {
  sql "INSERT INTO accounts (id, name, created_on) VALUES (1, 'e2e monitors', NOW()),
                                                         (2, 'e2e servers', NOW());
       INSERT INTO monitors (type, hostname, tls_name, ip_version, status, config, created_on)
         VALUES ('monitor', 'settings', 'settings-v4.system', 'v4', 'active',
                 '{\"samples\": 3, \"base_checks\": [\"127.0.0.2\"]}', NOW());
       INSERT INTO system_settings (\`key\`, value, created_on) VALUES ('monitors',
         '{\"interval_active\": \"20s\", \"interval_testing\": \"60s\", \"interval_all\": \"10s\"}',
         NOW());"
}
