#!/usr/bin/env bash
# `make sanitize`: the whole test suite under ThreadSanitizer and AddressSanitizer (SANITIZERS,
# default "thread address"), each in its own build directory (.build-tsan, .build-asan).
# The linkback servers the end-to-end tests start are the instrumented build too. Every process
# writes its reports under that directory's reports/; the run fails if any test fails or any
# report was written, and prints the reports. Suppressions (scripts/sanitizers/) name only code
# outside this project, each with the reason.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
SWIFT=${SWIFT:-swift}
sanitizers=${SANITIZERS:-"thread address"}
timeout_seconds=${SANITIZE_TIMEOUT:-3600}
failed=0

# ThreadSanitizer cannot see Synchronization.Mutex on Linux (a bare futex): shared state goes
# behind LinkbackKit's Locked (a pthread mutex), or every access it guards is reported as a race.
if grep -rnE --include='*.swift' '\bMutex *[<(]' "$root/Sources" "$root/Tests"; then
    echo "sanitize: use Locked (LinkbackKit/Util/Locked.swift), not Synchronization.Mutex" >&2
    exit 1
fi

for sanitizer in $sanitizers; do
    case $sanitizer in
        thread) scratch=$root/.build-tsan ;;
        address) scratch=$root/.build-asan ;;
        *) echo "sanitize: unknown sanitizer $sanitizer" >&2; exit 2 ;;
    esac
    reports=$scratch/reports
    rm -rf "$reports"
    mkdir -p "$reports"
    echo "== $sanitizer: building"
    if ! "$SWIFT" build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"; then
        failed=1
        continue
    fi
    case $sanitizer in
        thread)
            export TSAN_OPTIONS="log_path=$reports/tsan suppressions=$root/scripts/sanitizers/tsan.supp halt_on_error=0"
            ;;
        address)
            # The Swift backtracer trips a false report of its own (see FUZZING.md).
            export SWIFT_BACKTRACE=enable=no
            # Leaks are checked in the linkback processes the tests start (servers and commands,
            # through LINKBACK_CHILD_ASAN_OPTIONS), not in the test runner itself, whose fixtures
            # (stores a test leaves open, PostgreSQL clients, fail2ban helpers) live until it exits.
            export ASAN_OPTIONS="log_path=$reports/asan detect_leaks=0"
            export LINKBACK_CHILD_ASAN_OPTIONS="log_path=$reports/asan detect_leaks=1"
            export LSAN_OPTIONS="suppressions=$root/scripts/sanitizers/lsan.supp print_suppressions=0"
            ;;
    esac
    echo "== $sanitizer: testing"
    status=0
    timeout --kill-after=30 "$timeout_seconds" \
        "$SWIFT" test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --no-parallel \
        > "$scratch/test.log" 2>&1 || status=$?
    tail -n 3 "$scratch/test.log"
    unset TSAN_OPTIONS ASAN_OPTIONS LSAN_OPTIONS SWIFT_BACKTRACE LINKBACK_CHILD_ASAN_OPTIONS
    if [ "$status" -ne 0 ]; then
        echo "sanitize: the tests failed under $sanitizer (exit $status); the log is $scratch/test.log" >&2
        grep -E "✘" "$scratch/test.log" | head -n 40 >&2
        failed=1
    fi
    # A process whose only findings were suppressed may still leave a file; the reports are
    # the files with a finding in them.
    found=$(grep -lE "^(==[0-9]+==ERROR|WARNING: ThreadSanitizer)" "$reports"/* 2> /dev/null || true)
    if [ -n "$found" ]; then
        echo "sanitize: $(wc -l <<< "$found") process(es) reported under $sanitizer:" >&2
        for report in $found; do
            echo "--- $report" >&2
            head -n 60 "$report" >&2
        done
        failed=1
    else
        echo "== $sanitizer: no reports"
    fi
done
exit $failed
