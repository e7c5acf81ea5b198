#!/usr/bin/env bash
# The authgraph demo on this machine: starts Neo4j, then the long-lived
# services in the background, and waits until Ctrl-C (or until one of them
# exits), stopping the services it started. Neo4j keeps running afterwards;
# `make stop` stops it. Run it through `make demo`, which builds bin/authgraph.
#
# To add a step: a one-shot command goes in run_steps, a server goes in
# start_services with `background NAME COMMAND...` (its output goes to
# .authgraph/logs/NAME.log).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${AUTHGRAPH_BIN:-bin/authgraph}
LOGS=.authgraph/logs
mkdir -p "$LOGS"

pids=()
names=()

stop_services() {
	local i
	for i in "${!pids[@]}"; do
		if kill -0 "${pids[$i]}" 2>/dev/null; then
			echo "demo: stopping ${names[$i]} (pid ${pids[$i]})"
			kill "${pids[$i]}" 2>/dev/null || true
		fi
	done
	wait 2>/dev/null || true
}
trap stop_services EXIT
trap 'exit 130' INT TERM

# require_command NAME: fail clearly when this build lacks `authgraph NAME`.
require_command() {
	if ! "$BIN" "$1" --help >/dev/null 2>&1; then
		echo "demo: this build of authgraph has no '$1' command" >&2
		exit 1
	fi
}

# background NAME COMMAND...: start a long-lived service.
background() {
	local name=$1
	shift
	"$@" >"$LOGS/$name.log" 2>&1 </dev/null &
	pids+=("$!")
	names+=("$name")
	echo "demo: started $name (pid $!), log $LOGS/$name.log"
}

start_database() {
	"$BIN" neo4j start
}

start_services() {
	require_command sim
	background sim "$BIN" sim
}

run_steps() {
	:
}

start_database
start_services
run_steps

echo "demo: running; press Ctrl-C to stop (Neo4j keeps running; 'make stop' stops it)"
set +e
wait -n "${pids[@]}"
status=$?
set -e
for i in "${!pids[@]}"; do
	if ! kill -0 "${pids[$i]}" 2>/dev/null; then
		echo "demo: ${names[$i]} exited (status $status); see $LOGS/${names[$i]}.log" >&2
	fi
done
exit "$status"
