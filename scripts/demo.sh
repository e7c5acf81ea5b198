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

# In a terminal, run the demo as its own foreground job (job control): Ctrl-C
# then reaches the demo's processes only, not make, which sees the demo's
# clean exit (0) instead of dying of the signal ("make: *** … Error 130").
if [ -t 0 ] && [ -z "${AUTHGRAPH_DEMO_JOB:-}" ]; then
	set -m
	AUTHGRAPH_DEMO_JOB=1 "$0" "$@"
	exit $?
fi

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
# Ctrl-C is how the demo is meant to end: stop what it started, exit 0.
trap 'echo; echo "demo: stopping (Ctrl-C)"; exit 0' INT
trap 'exit 143' TERM

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

# Where the simulator and the web app listen, and the tenant's name.
SIM_ADDR=${SIM_ADDR:-127.0.0.1:4010}
ADDR=${AUTHGRAPH_ADDR:-127.0.0.1:8080}
DEMO_TENANT=${DEMO_TENANT:-demo.sim.local}

# wait_port NAME HOST:PORT: wait (30 s at most) until something listens.
wait_port() {
	local name=$1 host=${2%:*} port=${2##*:} i
	for i in $(seq 1 150); do
		if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	echo "demo: $name does not listen on $2; see $LOGS/$name.log" >&2
	exit 1
}

start_services() {
	require_command sim
	background sim "$BIN" sim --addr "$SIM_ADDR"
}

run_steps() {
	wait_port sim "$SIM_ADDR"
	require_command sync
	echo "demo: syncing the simulated tenant into the graph as $DEMO_TENANT"
	AUTH0_CLIENT_SECRET=sim-secret "$BIN" sync --domain "http://$SIM_ADDR" --client-id sim-client --tenant "$DEMO_TENANT"
	require_command serve
	background serve "$BIN" serve --addr "$ADDR"
	wait_port serve "$ADDR"
	cat <<EOF2

demo: the web app is running at http://$ADDR/
demo: (GraphQL explorer: http://$ADDR/graphql)
demo: try this in its Cypher console (admin users without MFA):

  MATCH p = (u:Auth0User {tenant: '$DEMO_TENANT'})-[:HAS_ROLE]->(r:Auth0Role {name: 'admin'})
  WHERE coalesce(u.mfa_enrolled, false) = false
  RETURN u.name AS user, u.email AS email, p

EOF2
}

start_database
start_services
run_steps

echo "demo: running in this terminal until Ctrl-C (Neo4j keeps running; 'make stop' stops it)"
echo "demo: run 'make test' from a second terminal: the tests use their own Neo4j and leave this graph as it is"
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
