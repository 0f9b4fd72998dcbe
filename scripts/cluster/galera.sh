#!/usr/bin/env bash
# A three-node MariaDB Galera cluster on one machine (Debian's galera-4), for the Galera tests
# (docs/operations/cluster.md).
#   galera.sh start        install what is missing, bootstrap node 1, join nodes 2 and 3 (rsync SST)
#   galera.sh status       each node's wsrep state and the cluster size
#   galera.sh stop         stop the three nodes, last one last (data kept; start bootstraps again)
#   galera.sh clean        stop and delete the data
#   galera.sh start-node N / stop-node N   one node (tests kill and restart nodes)
# SQL ports CIVICGRID_GALERA_PORT_BASE (3312..3314); group communication, IST and SST on
# CIVICGRID_GALERA_WSREP_PORT_BASE (7340..7342, 7343..7345, 7346..7348).
# Data under $CIVICGRID_CLUSTER_DIR/galera (/var/tmp/civicgrid-cluster/galera).
. "$(dirname "$0")/lib.sh"

SQL_BASE="${CIVICGRID_GALERA_PORT_BASE:-3312}"
WSREP_BASE="${CIVICGRID_GALERA_WSREP_PORT_BASE:-7340}"
BASE="$CLUSTER_DIR/galera"
NODES=(1 2 3)

node_dir() { echo "$BASE/node$1"; }
sql_port() { echo $((SQL_BASE + $1 - 1)); }
gcomm_port() { echo $((WSREP_BASE + $1 - 1)); }
ist_port() { echo $((WSREP_BASE + 3 + $1 - 1)); }
sst_port() { echo $((WSREP_BASE + 6 + $1 - 1)); }

write_cnf() {
  local n="$1" dir addresses=() m
  dir="$(node_dir "$n")"
  for m in "${NODES[@]}"; do addresses+=("127.0.0.1:$(gcomm_port "$m")"); done
  mkdir -p "$dir"
  base_cnf "$dir" "$(sql_port "$n")" "$n" >"$dir/my.cnf"
  cat >>"$dir/my.cnf" <<CNF
# Galera replicates row events of InnoDB tables only, and needs interleaved auto-increment locks.
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_name=civicgrid-test
wsrep_cluster_address=gcomm://$(IFS=,; echo "${addresses[*]}")
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$(gcomm_port "$n")
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(gcomm_port "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n");gcache.size=128M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$(sst_port "$n")
wsrep_slave_threads=2
CNF
}

# $1 node. Waits until the node is Synced with the cluster.
wait_synced() {
  local dir i state
  dir="$(node_dir "$1")"
  wait_ready "$dir" 180
  for ((i = 0; i < 900; i++)); do
    state="$(sql_root "$dir" "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='wsrep_local_state_comment'" 2>/dev/null || true)"
    [ "$state" = Synced ] && return 0
    sleep 0.2
  done
  die "node $1 is not Synced (state: ${state:-none})"
}

any_running() { local n; for n in "${NODES[@]}"; do running_pid "$(node_dir "$n")" >/dev/null && return 0; done; return 1; }

# The node to bootstrap a stopped cluster from: the one that left last (safe_to_bootstrap: 1), else the
# highest seqno (after a crash of all nodes), else node 1.
bootstrap_node() {
  local n best=1 best_seq=-2 seq file
  for n in "${NODES[@]}"; do
    file="$(node_dir "$n")/data/grastate.dat"
    [ -f "$file" ] || continue
    if grep -q '^safe_to_bootstrap: 1' "$file"; then echo "$n"; return; fi
    seq="$(sed -n 's/^seqno: *//p' "$file")"
    if [ -n "$seq" ] && [ "$seq" -gt "$best_seq" ]; then best="$n"; best_seq="$seq"; fi
  done
  echo "$best"
}

start_node() {
  local n="$1" dir
  dir="$(node_dir "$n")"
  write_cnf "$n"
  if running_pid "$dir" >/dev/null; then log "node $n already running"; return 0; fi
  # A joiner gets its data from a donor (SST or IST): an empty data dir is enough.
  mkdir -p "$dir/data"
  launch "$dir"
  wait_synced "$n"
}

start() {
  ensure_packages mariadbd:mariadb-server mariadb:mariadb-client /usr/lib/galera/libgalera_smm.so:galera-4 rsync:rsync lsof:lsof
  local first fresh=0 n
  if ! any_running; then
    first="$(bootstrap_node)"
    local dir; dir="$(node_dir "$first")"
    write_cnf "$first"
    if [ ! -d "$dir/data/mysql" ]; then install_db "$dir"; fresh=1; fi
    [ -f "$dir/data/grastate.dat" ] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$dir/data/grastate.dat"
    log "bootstrapping the cluster from node $first"
    launch "$dir" --wsrep-new-cluster
    wait_synced "$first"
    # Created once on the first node; Galera replicates accounts to the joiners.
    if [ "$fresh" = 1 ]; then sql_root "$dir" "$(app_user_sql)"; fi
  fi
  for n in "${NODES[@]}"; do start_node "$n"; done
  log "cluster up: mysql://$APP_USER:$APP_PASSWORD@127.0.0.1:$(sql_port 1),127.0.0.1:$(sql_port 2),127.0.0.1:$(sql_port 3)/"
}

status() {
  local n dir rc=0 pid
  for n in "${NODES[@]}"; do
    dir="$(node_dir "$n")"
    if pid="$(running_pid "$dir")"; then
      echo "node$n: running (pid $pid, port $(sql_port "$n")) $(sql_root "$dir" "SELECT GROUP_CONCAT(CONCAT(VARIABLE_NAME,'=',VARIABLE_VALUE) SEPARATOR ' ') FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('wsrep_local_state_comment','wsrep_cluster_size','wsrep_cluster_status','wsrep_ready')" 2>/dev/null || echo '(not answering)')"
    else
      echo "node$n: stopped"; rc=1
    fi
  done
  return $rc
}

stop() {
  local n
  # One at a time, so that the last one is marked safe to bootstrap from.
  for n in 3 2 1; do stop_node "$(node_dir "$n")"; done
}

case "${1:-}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  clean) stop; rm -rf "$BASE" ;;
  start-node) [ -n "${2:-}" ] || die "start-node N"; any_running || die "no node running: use start"; start_node "$2" ;;
  stop-node) [ -n "${2:-}" ] || die "stop-node N"; stop_node "$(node_dir "$2")" ;;
  *) echo "usage: $0 start|status|stop|clean|start-node N|stop-node N" >&2; exit 2 ;;
esac
