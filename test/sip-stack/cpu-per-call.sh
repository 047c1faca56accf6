#!/usr/bin/env bash
# cpu-per-call.sh PID PORT [CALLS] [RATE]
# CPU time (user+system, µs) that process PID spends per call while SIPp's built-in uac places
# CALLS calls (default 5000) at RATE calls/s (default 500) to 127.0.0.1:PORT over UDP.
# Example (Parley's stack as the UAS):
#   node --import tsx test/sip-stack/uas-server.ts --ip 127.0.0.1 --port 5390 &   # prints its pid
#   test/sip-stack/cpu-per-call.sh <pid> 5390 5000 500
set -euo pipefail
P=$1; PORT=$2; N=${3:-5000}; R=${4:-500}
CLK=$(getconf CLK_TCK)
DIR=$(mktemp -d)
t0=$(awk '{print $14+$15}' "/proc/$P/stat")
set +e
(cd "$DIR" && timeout 120 sipp -sn uac "127.0.0.1:$PORT" -i 127.0.0.2 -p $((PORT + 1)) -m "$N" -r "$R" -l 2000 \
  -timeout 60s -nostdin -buff_size 4194304 > sipp.out 2>&1)
rc=$?
set -e
t1=$(awk '{print $14+$15}' "/proc/$P/stat")
ok=$(grep "Successful call" "$DIR/sipp.out" | tail -1 | awk -F'|' '{print $3}' | tr -d ' ')
echo "sipp_rc=$rc successful=$ok/$N cpu_us_per_call=$(( (t1 - t0) * 1000000 / CLK / N ))"
rm -rf "$DIR"
