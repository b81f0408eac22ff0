#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets in Fuzz/ (coverage and AddressSanitizer, Swift code
# only: the system libxml2 is not instrumented) and runs each for FUZZ_SECONDS, starting from the
# seed corpus in Fuzz/corpus/ and keeping what it finds in .build-fuzz/corpus/ (not the repository).
# A crash leaves its input in .build-fuzz/artifacts/ and fails the run. See FUZZING.md.
set -euo pipefail

seconds=${1:-${FUZZ_SECONDS:-600}}
targets=${FUZZ_TARGETS:-"xmlrpc html url"}
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$root/.build-fuzz
SWIFT=${SWIFT:-swift}

(cd "$root/Fuzz" && "$SWIFT" build -c release --scratch-path "$scratch" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)

failed=0
for name in $targets; do
    case $name in
        xmlrpc) binary=FuzzXMLRPC; max_len=16384 ;;
        html) binary=FuzzHTML; max_len=65536 ;;
        url) binary=FuzzURL; max_len=4096 ;;
        *) echo "fuzz: unknown target $name" >&2; exit 2 ;;
    esac
    mkdir -p "$scratch/corpus/$name" "$scratch/artifacts/$name"
    echo "== $name: $seconds s"
    # The Swift backtracer trips a false AddressSanitizer report: libFuzzer prints the crash itself.
    status=0
    SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=$root/Fuzz/lsan.supp "$scratch/release/$binary" -max_total_time="$seconds" -max_len="$max_len" \
        -print_final_stats=1 -artifact_prefix="$scratch/artifacts/$name/" \
        "$scratch/corpus/$name" "$root/Fuzz/corpus/$name" > "$scratch/$name.log" 2>&1 || status=$?
    grep -E "^#[0-9]+.*(INITED|DONE)|^stat::(number_of_executed_units|peak_rss_mb)|^SUMMARY|^==[0-9]+==ERROR" \
        "$scratch/$name.log" || true
    if [ "$status" -ne 0 ]; then
        echo "fuzz: $name stopped with status $status; the input is in $scratch/artifacts/$name/, the log in $scratch/$name.log" >&2
        failed=1
    fi
done
exit $failed
