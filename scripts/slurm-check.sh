#!/usr/bin/env bash
# Checks `deni sweep --slurm` against a real Slurm on this machine: installs Debian's slurmctld, slurmd,
# slurm-client and munge if missing, starts munged, slurmctld and slurmd on localhost with a generated
# slurm.conf (one node: this machine's CPUs; its own ports, key and state under a temporary folder), submits a
# small sweep (3 points × 2 runs plus the Default baseline, tiny sizes) as a job array, waits for it, and checks
# that the merged results equal the same sweep run here with one worker, bit for bit (`deni export --runs`).
# Also checks a failed array task: `--status` names it failed and `--resubmit-failed` finishes the sweep.
# Stops every daemon it started, whatever happens. Usage: scripts/slurm-check.sh [path/to/deni]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
deni=${1:-$root/.build/release/deni}
[[ -x $deni ]] || { echo "slurm-check: no deni binary at $deni (build first)" >&2; exit 1; }
sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo -n"

need=()
for p in slurmctld slurmd slurm-client munge; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then
  echo "slurm-check: installing ${need[*]}"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/deni-slurm.XXXXXX)
chmod 755 "$work"
pids=()
stop() {
  local status=$?
  for f in "$work"/slurmd.pid "$work"/slurmctld.pid "$work"/munged.pid; do
    [[ -f $f ]] && $sudo kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 1
  for f in "$work"/slurmd.pid "$work"/slurmctld.pid "$work"/munged.pid; do
    [[ -f $f ]] && $sudo kill -9 "$(cat "$f")" 2>/dev/null || true
  done
  if ((status != 0)); then
    echo "slurm-check: FAILED; daemon logs:" >&2
    tail -n 20 "$work"/*.log >&2 2>/dev/null || true
  fi
  $sudo rm -rf "$work"
  exit $status
}
trap stop EXIT

# munge, with its own key and socket (another munged on this machine is left alone).
mkdir -p "$work/munge"
dd if=/dev/urandom bs=1024 count=1 of="$work/munge/munge.key" status=none
chmod 700 "$work/munge"; chmod 400 "$work/munge/munge.key"
$sudo /usr/sbin/munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge/seed"
host=$(hostname -s)
cpus=$(nproc)
user=$(id -un)
port=$((16000 + RANDOM % 2000))
mkdir -p "$work/state" "$work/spool"
cat > "$work/slurm.conf" <<EOF
ClusterName=denicheck
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf
$sudo env SLURM_CONF="$SLURM_CONF" /usr/sbin/slurmctld -i
$sudo env SLURM_CONF="$SLURM_CONF" /usr/sbin/slurmd
for _ in $(seq 60); do
  sinfo -h -o "%T" 2>/dev/null | grep -qE "^idle" && break
  sleep 1
done
sinfo -h -o "%T" | grep -qE "^idle" || { echo "slurm-check: the node never became idle: $(sinfo -h -o '%T %E' 2>&1)" >&2; exit 1; }
echo "slurm-check: Slurm $(sinfo -V | cut -d' ' -f2) up on $host ($cpus CPUs)"

# A tiny dataset (two classes of short sentences), so each run takes seconds.
data=$work/data
mkdir -p "$data"
{
  echo "text,label"
  for i in $(seq 40); do
    echo "the film was wonderful and moving number $i,pos"
    echo "a dull and tiresome plot that dragged on $i,neg"
  done
} > "$data/tiny.csv"
sweep=(sweep --dataset "$data/tiny.csv" --tuning lora --strategy default deni --runs 2 --samples 24 --epochs 2
       --batch-size 4 --eval-subsample 0 --threads 1 --seed 7 --vary deni.noiseVariance=0.05,0.15,0.3)

DENI_SESSIONS=$work/local "$deni" "${sweep[@]}" --workers 1 >/dev/null 2>"$work/local.log" \
  || { cat "$work/local.log" >&2; exit 1; }
local_session=$(ls -d "$work"/local/*/)
"$deni" export "$local_session" --runs "$work/local-runs.csv" >/dev/null

out=$(DENI_SESSIONS=$work/cluster "$deni" "${sweep[@]}" --slurm --partition check --cpus-per-task 1 --tasks-per-job 2 --json)
echo "slurm-check: submitted $out"
session=$(ls -d "$work"/cluster/*/)
wait_for_queue() {
  for _ in $(seq 240); do
    [[ -z $(squeue -h -o %i 2>/dev/null) ]] && return 0
    sleep 1
  done
  echo "slurm-check: the array did not finish within 240 s" >&2; squeue >&2; return 1
}
wait_for_queue
"$deni" sweep --status "$session"
"$deni" sweep --status "$session" --json | grep -q '"finished" : true' || { echo "slurm-check: the sweep did not finish" >&2; exit 1; }
[[ ! -e $session/shards ]] || { echo "slurm-check: shards left after the merge" >&2; exit 1; }
"$deni" export "$session" --runs "$work/cluster-runs.csv" >/dev/null
cmp "$work/local-runs.csv" "$work/cluster-runs.csv" || { diff "$work/local-runs.csv" "$work/cluster-runs.csv" >&2; exit 1; }
echo "slurm-check: $(($(wc -l < "$work/cluster-runs.csv") - 1)) runs from the Slurm array equal the local sweep bit for bit"

# A failed array task: task 1 of a second array is cancelled (scancel) before or while it trains; --status must
# call it failed, --resubmit-failed runs it alone again, and the sweep finishes with the same results.
out=$(DENI_SESSIONS=$work/failing "$deni" "${sweep[@]}" --slurm --partition check --cpus-per-task 1 --tasks-per-job 4 --json)
session=$(ls -d "$work"/failing/*/)
job=$(echo "$out" | sed -n 's/.*"job": "\([0-9]*\)".*/\1/p')
scancel "${job}_1" 2>/dev/null || true
wait_for_queue
"$deni" sweep --status "$session"
"$deni" sweep --status "$session" --json | grep -q '"state" : "failed"' || { echo "slurm-check: a cancelled array task is not reported failed" >&2; exit 1; }
"$deni" sweep --resubmit-failed "$session"
wait_for_queue
"$deni" sweep --status "$session" --json | grep -q '"finished" : true' || { "$deni" sweep --status "$session" >&2; echo "slurm-check: the resubmitted sweep did not finish" >&2; exit 1; }
"$deni" export "$session" --runs "$work/failing-runs.csv" >/dev/null
cmp "$work/local-runs.csv" "$work/failing-runs.csv" || { diff "$work/local-runs.csv" "$work/failing-runs.csv" >&2; exit 1; }
echo "slurm-check: a cancelled array task was reported failed, resubmitted alone, and the sweep finished bit for bit"
echo "slurm-check: passed"
