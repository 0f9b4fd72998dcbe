#!/usr/bin/env bash
# A MariaDB primary and a GTID replica on one machine, for the replication tests and for trying the
# platform's read/write split (docs/operations/cluster.md).
#   replication.sh start    install what is missing, create the two servers once, start them, replicate
#   replication.sh status   the two servers and the replica's threads and lag
#   replication.sh stop     stop both (data kept)
#   replication.sh clean    stop both and delete their data
#   replication.sh stop-node primary|replica   one of them (start brings it back)
# Ports: CIVICGRID_REPL_PRIMARY_PORT (3310) and CIVICGRID_REPL_REPLICA_PORT (3311); data under
# $CIVICGRID_CLUSTER_DIR/replication (/var/tmp/civicgrid-cluster/replication).
. "$(dirname "$0")/lib.sh"

PRIMARY_PORT="${CIVICGRID_REPL_PRIMARY_PORT:-3310}"
REPLICA_PORT="${CIVICGRID_REPL_REPLICA_PORT:-3311}"
BASE="$CLUSTER_DIR/replication"
PRIMARY="$BASE/primary"
REPLICA="$BASE/replica"
REPL_USER=repl
REPL_PASSWORD="${CIVICGRID_REPL_PASSWORD:-repl}"

write_cnf() {
  base_cnf "$PRIMARY" "$PRIMARY_PORT" 1 >"$PRIMARY/my.cnf"
  cat >>"$PRIMARY/my.cnf" <<CNF
log_bin=$PRIMARY/data/mysql-bin
binlog_format=ROW
gtid_strict_mode=ON
CNF
  base_cnf "$REPLICA" "$REPLICA_PORT" 2 >"$REPLICA/my.cnf"
  cat >>"$REPLICA/my.cnf" <<CNF
relay_log=$REPLICA/data/relay-bin
log_bin=$REPLICA/data/mysql-bin
log_slave_updates=ON
binlog_format=ROW
gtid_strict_mode=ON
# Clients of the replica read; only replication (and accounts with READ_ONLY ADMIN) write.
read_only=ON
CNF
}

start() {
  ensure_packages mariadbd:mariadb-server mariadb:mariadb-client
  local fresh=0
  mkdir -p "$PRIMARY" "$REPLICA"
  if [ ! -d "$PRIMARY/data/mysql" ]; then install_db "$PRIMARY"; install_db "$REPLICA"; fresh=1; fi
  write_cnf
  for node in "$PRIMARY" "$REPLICA"; do
    if running_pid "$node" >/dev/null; then log "$node already running"; else launch "$node"; fi
  done
  wait_ready "$PRIMARY" 60
  wait_ready "$REPLICA" 60
  if [ "$fresh" = 1 ]; then
    # Accounts are created on the primary only: the replica gets them through the binlog.
    sql_root "$PRIMARY" "$(app_user_sql)
      CREATE USER IF NOT EXISTS '$REPL_USER'@'127.0.0.1' IDENTIFIED BY '$REPL_PASSWORD';
      GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '$REPL_USER'@'127.0.0.1';"
  fi
  if [ -z "$(sql_root "$REPLICA" "SHOW SLAVE STATUS")" ]; then
    # The replica starts from the primary's first transaction (both were installed without a binlog).
    sql_root "$REPLICA" "SET GLOBAL gtid_slave_pos='';
      CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$PRIMARY_PORT, MASTER_USER='$REPL_USER',
        MASTER_PASSWORD='$REPL_PASSWORD', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
      START SLAVE;"
  else
    sql_root "$REPLICA" "START SLAVE" >/dev/null 2>&1 || true
  fi
  wait_caught_up 60
  log "primary mysql://$APP_USER:$APP_PASSWORD@127.0.0.1:$PRIMARY_PORT/  replica mysql://$APP_USER:$APP_PASSWORD@127.0.0.1:$REPLICA_PORT/"
}

# Waits until the replica has applied everything the primary has written.
wait_caught_up() {
  local limit="$1" target i
  target="$(sql_root "$PRIMARY" "SELECT @@gtid_binlog_pos")"
  for ((i = 0; i < limit * 5; i++)); do
    if [ "$(sql_root "$REPLICA" "SELECT @@gtid_slave_pos")" = "$target" ]; then return 0; fi
    sleep 0.2
  done
  sql_root "$REPLICA" "SHOW SLAVE STATUS\G" >&2 || true
  die "replica did not reach $target in ${limit}s"
}

status() {
  local rc=0 pid
  for node in "$PRIMARY" "$REPLICA"; do
    if pid="$(running_pid "$node")"; then echo "$(basename "$node"): running (pid $pid, $(grep '^port=' "$node/my.cnf"))"; else echo "$(basename "$node"): stopped"; rc=1; fi
  done
  if running_pid "$PRIMARY" >/dev/null; then echo "primary gtid_binlog_pos: $(sql_root "$PRIMARY" "SELECT @@gtid_binlog_pos")"; fi
  if running_pid "$REPLICA" >/dev/null; then
    mariadb --no-defaults -uroot --socket="$REPLICA/mysqld.sock" -e "SHOW SLAVE STATUS\G" \
      | grep -E 'Slave_(IO|SQL)_Running:|Seconds_Behind_Master|Gtid_IO_Pos|Last_(IO|SQL)_Error:' || true
  fi
  return $rc
}

stop() { stop_node "$REPLICA"; stop_node "$PRIMARY"; }

case "${1:-}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  clean) stop; rm -rf "$BASE" ;;
  stop-node)
    case "${2:-}" in primary) stop_node "$PRIMARY" ;; replica) stop_node "$REPLICA" ;; *) die "stop-node primary|replica" ;; esac ;;
  *) echo "usage: $0 start|status|stop|clean|stop-node primary|replica" >&2; exit 2 ;;
esac
