#!/usr/bin/env bash
# A real single-node Slurm cluster on localhost, for tests and for trying the
# cluster scripts on one machine (Debian packages slurm-wlm, munge; as root).
#
#   tools/slurm/local-cluster.sh start DIR   writes DIR/slurm.conf, starts munged,
#                                            slurmctld and slurmd, waits until idle
#   tools/slurm/local-cluster.sh stop DIR    stops exactly the daemons it started
#
# Then: export SLURM_CONF=DIR/slurm.conf and use sbatch/squeue/sinfo as usual.
# Daemons are stopped by the PIDs recorded in DIR, never by name, so a real
# cluster on the same machine is left alone.
set -euo pipefail

action="${1:-}"
dir="${2:-}"
if [[ -z $action || -z $dir ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

stop_cluster() {
  for name in slurmd slurmctld munged munge-runuser; do
    pidfile="$dir/$name.pid"
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

case "$action" in
  stop) stop_cluster; exit 0 ;;
  start) ;;
  *) echo "$0: unknown action '$action' (expected start or stop)" >&2; exit 2 ;;
esac

for tool in slurmctld slurmd munged sinfo; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found (apt-get install slurm-wlm slurmctld slurmd slurm-client munge)" >&2; exit 1; }
done
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
dir="$(cd "$dir" && pwd)"
chown munge:munge "$dir/munge"
# munged runs as the munge user: a DIR below a folder it cannot enter (e.g.
# /root, mode 700) would leave it without its key and socket.
if ! runuser -u munge -- test -w "$dir/munge"; then
  echo "$0: the munge user cannot reach '$dir/munge' (a folder above it is closed to other users, e.g. /root is mode 700); choose a DIR under /tmp or /var/tmp" >&2
  exit 1
fi
cpus=$(nproc)
cat > "$dir/slurm.conf" <<CONF
ClusterName=nasrank-local
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$((16817 + RANDOM % 1000))
SlurmdPort=$((17818 + RANDOM % 1000))
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.daemon.pid
SlurmdPidFile=$dir/slurmd.daemon.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
NodeName=localhost CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF

# munged: a private socket and key in DIR so an existing munge is untouched.
if [[ ! -f $dir/munge/munge.key ]]; then
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chown munge:munge "$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
fi
socket="$dir/munge/munge.socket"
runuser -u munge -- /usr/sbin/munged --foreground --key-file="$dir/munge/munge.key" --socket="$socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" --force \
  > "$dir/munge/munged.out" 2>&1 &
echo $! > "$dir/munge-runuser.pid"
# Slurm's munge plugin finds the socket through this option.
sed -i "s|^AuthType=auth/munge|AuthType=auth/munge\nAuthInfo=socket=$socket|" "$dir/slurm.conf"
sed -i "s|^CredType=cred/munge|CredType=cred/munge|" "$dir/slurm.conf"
for _ in $(seq 50); do [[ -S $socket && -s $dir/munge/munged.pid ]] && break; sleep 0.1; done
if [[ ! -S $socket ]]; then
  echo "$0: munged did not start; its log: $dir/munge/munged.out" >&2
  tail -3 "$dir/munge/munged.out" >&2 || true
  stop_cluster
  exit 1
fi
cp "$dir/munge/munged.pid" "$dir/munged.pid"

export SLURM_CONF="$dir/slurm.conf"
slurmctld -D -f "$SLURM_CONF" > "$dir/slurmctld.out" 2>&1 &
echo $! > "$dir/slurmctld.pid"
slurmd -D -N localhost -f "$SLURM_CONF" > "$dir/slurmd.out" 2>&1 &
echo $! > "$dir/slurmd.pid"

for _ in $(seq 300); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
  if [[ $state == idle* ]]; then
    echo "local Slurm cluster up: export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "$0: the cluster did not become idle within 60 s; logs in $dir" >&2
tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
stop_cluster
exit 1
