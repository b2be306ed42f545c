#!/usr/bin/env bash
# The stress check of issue 24: tests/test_crash_safety.py run RUNS times in a row (default 20)
# while BUSY loops (default 2) keep the CPUs busy, as on a loaded CI machine. The kills at named
# points must land where they say whatever the load; the random ones must still be all or
# nothing. Not part of the suite (pytest collects test_*.py only): run it by hand, e.g.
#
#   . venv/bin/activate
#   CI=true TRACKER_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
#       tests/stress_crash_safety.sh 20
#
# CI=true makes the PostgreSQL tests fail rather than skip without a server. Prints pytest's
# summary for each run, then the runs, passes, failures and total time; keeps the output of a
# failed run (the folder is named); exits 1 if any run failed.
#
# Last runs (7 December 2026; SQLite and PostgreSQL, CI=true, two busy loops on 2 cores):
# before text revisions (0014), beside three other agents' test runs (load average 4-9): 20 runs,
# 20 passed, 0 failed, 2,057 s (48-168 s a run); at e51c940, with text revisions, the machine
# otherwise idle: 20 runs, 20 passed, 0 failed, 1,069 s (50-56 s a run).
set -u
runs=${1:-20}
busy=${2:-2}
cd "$(dirname "$0")/.." || exit 2
logs=$(mktemp -d "${TMPDIR:-/tmp}/stress-crash.XXXXXX")

loops=()
stop_loops() {
    for pid in "${loops[@]}"; do kill "$pid" 2>/dev/null; done
}
trap stop_loops EXIT
trap 'exit 130' INT TERM
for _ in $(seq "$busy"); do
    (while :; do :; done) &
    loops+=("$!")
done

passed=0
failed=0
start=$SECONDS
for n in $(seq "$runs"); do
    began=$SECONDS
    log="$logs/run-$n.log"
    # One process (-n 0): the suite gives this file one worker anyway (--dist loadfile).
    if "${PYTHON:-python}" -m pytest -q -p no:cacheprovider -n 0 tests/test_crash_safety.py \
        >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "run $n: $(tail -n 1 "$log") [$((SECONDS - began)) s]"
        rm "$log"
    else
        failed=$((failed + 1))
        echo "run $n: FAILED: $(tail -n 1 "$log") [$((SECONDS - began)) s], output in $log"
    fi
done
echo "$runs runs, $passed passed, $failed failed, $((SECONDS - start)) s in all" \
    "($busy busy loops)"
[ "$failed" -eq 0 ]
