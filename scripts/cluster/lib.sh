# Shared by replication.sh and galera.sh: throw-away MariaDB servers for the cluster tests
# (docs/operations/cluster.md). Sourced, not run.
set -euo pipefail

CLUSTER_DIR="${CIVICGRID_CLUSTER_DIR:-/var/tmp/civicgrid-cluster}"
# The account the platform and the tests use; the servers listen on 127.0.0.1 only.
APP_USER="${CIVICGRID_CLUSTER_USER:-civicgrid}"
APP_PASSWORD="${CIVICGRID_CLUSTER_PASSWORD:-civicgrid}"

log() { printf '%s %s\n' "[$(date -u +%H:%M:%S)]" "$*" >&2; }
die() { log "error: $*"; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Installs the Debian packages that provide the commands given as "command:package" pairs, only if missing.
ensure_packages() {
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd="${pair%%:*}"; pkg="${pair#*:}"
    if [ "${cmd#/}" != "$cmd" ]; then [ -e "$cmd" ] && continue; else command -v "$cmd" >/dev/null 2>&1 && continue; fi
    missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  # The package's own service must not start on the system port: this only needs the binaries.
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  as_root rm -f /usr/sbin/policy-rc.d
}

# The OS user the servers run as: mysql when started by root (mariadbd refuses root), else the caller.
server_user() { if [ "$(id -u)" = 0 ] && id mysql >/dev/null 2>&1; then echo mysql; else id -un; fi; }

# $1 node dir. Prints the pid if the server of that dir is running.
running_pid() {
  local pid
  [ -f "$1/mysqld.pid" ] || return 1
  pid="$(cat "$1/mysqld.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # A killed server is a zombie until reaped: not running.
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  echo "$pid"
}

# $1 node dir; the rest is SQL run as root through the node's socket.
sql_root() { local dir="$1"; shift; mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" -N -B -e "$*"; }

# $1 node dir, $2 seconds. Waits until the server answers on its socket.
wait_ready() {
  local dir="$1" limit="${2:-60}" i
  for ((i = 0; i < limit * 5; i++)); do
    if mariadb-admin --no-defaults -uroot --socket="$dir/mysqld.sock" ping >/dev/null 2>&1; then return 0; fi
    # The server this script launched has exited: no point in waiting (its pid file may not exist yet during a state transfer).
    if [ -n "${LAUNCHED_PID:-}" ] && ! kill -0 "$LAUNCHED_PID" 2>/dev/null; then break; fi
    sleep 0.2
  done
  tail -n 30 "$dir/error.log" >&2 || true
  die "server in $dir did not become ready in ${limit}s"
}

# $1 node dir. Creates an empty system database (root without password, reachable through the socket only).
install_db() {
  local dir="$1"
  mkdir -p "$dir/data"
  chown -R "$(server_user)" "$dir"
  mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(server_user)" \
    --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log" >&2; die "mariadb-install-db failed for $dir"; }
}

# $1 node dir, then extra mariadbd options. Starts the server in the background, detached from this shell.
launch() {
  local dir="$1"; shift
  chown -R "$(server_user)" "$dir"
  # A pid file left by a killed server would make a running check look at a dead process.
  rm -f "$dir/mysqld.pid"
  setsid nohup mariadbd --defaults-file="$dir/my.cnf" "$@" >>"$dir/error.log" 2>&1 </dev/null &
  LAUNCHED_PID=$!
}

# $1 node dir. Stops the server: a clean shutdown, then SIGKILL after 60 s.
stop_node() {
  local dir="$1" pid i
  pid="$(running_pid "$dir")" || return 0
  mariadb-admin --no-defaults -uroot --socket="$dir/mysqld.sock" shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  log "$dir: no clean shutdown in 60 s, killing $pid"
  kill -9 "$pid" 2>/dev/null || true
}

# SQL that creates the application account (run once, on the primary or the first Galera node).
app_user_sql() {
  cat <<SQL
CREATE USER IF NOT EXISTS '$APP_USER'@'127.0.0.1' IDENTIFIED BY '$APP_PASSWORD';
CREATE USER IF NOT EXISTS '$APP_USER'@'localhost' IDENTIFIED BY '$APP_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$APP_USER'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$APP_USER'@'localhost' WITH GRANT OPTION;
SQL
}

# The [mysqld] options common to every test server; $1 node dir, $2 port, $3 server id.
base_cnf() {
  cat <<CNF
[mysqld]
datadir=$1/data
socket=$1/mysqld.sock
pid-file=$1/mysqld.pid
log-error=$1/error.log
port=$2
bind-address=127.0.0.1
user=$(server_user)
server_id=$3
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_bin
# The platform's promise: a 2xx is durable (DESIGN.md "Promises").
innodb_flush_log_at_trx_commit=1
sync_binlog=1
# Small: several of these share one machine with the tests.
innodb_buffer_pool_size=96M
innodb_log_file_size=64M
performance_schema=OFF
max_connections=300
CNF
}
