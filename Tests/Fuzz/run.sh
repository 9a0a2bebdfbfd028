#!/usr/bin/env bash
# Builds the libFuzzer targets (Tests/Fuzz/PretextFuzz, with -sanitize=fuzzer,address) and runs each
# for SECONDS (default 60) on a copy of its seed corpus (Tests/Fuzz/Corpus/<target>), so the corpus
# the fuzzer grows never touches the repository.
#
#   Tests/Fuzz/run.sh [SECONDS] [TARGET...]     targets: image safetensors checkpoint-state optimizer-state config
#   Tests/Fuzz/run.sh 5                         the short pass .ci/run makes
#   Tests/Fuzz/run.sh 1800                      a long campaign (30 minutes per target)
#
# Each run writes into FUZZ_OUT (default Tests/Fuzz/.build/runs/<UTC time>): <target>/corpus (the grown
# corpus), <target>/crashes (crash-*, timeout-*, oom-* inputs) and <target>/log. One line per target
# gives its executions; the exit status is non-zero if any target found a crash, a timeout or an
# out-of-memory. Reproduce a finding with (the variable gives libFuzzer's stack instead of Swift's backtracer):
#   SWIFT_BACKTRACE=enable=no Tests/Fuzz/PretextFuzz/.build/release/fuzz-<target> <file>
# Environment: FUZZ_OUT (output folder), FUZZ_BUILD=0 (skip the build), FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
package="$here/PretextFuzz"
seconds="${1:-60}"
[ $# -gt 0 ] && shift
case "$seconds" in ''|*[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
all=(image safetensors checkpoint-state optimizer-state config)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# Largest input per target: images up to 16 KB (the seeds are under 1 KB), the rest a few KB.
max_len() {
    case "$1" in
        image) echo 16384 ;;
        safetensors|optimizer-state|config) echo 4096 ;;
        checkpoint-state) echo 2048 ;;
        *) echo "unknown fuzz target '$1' (targets: ${all[*]})" >&2; return 1 ;;
    esac
}
for t in "${targets[@]}"; do max_len "$t" >/dev/null; done

if [ "${FUZZ_BUILD:-1}" != 0 ]; then
    start=$(date +%s)
    echo "building the fuzz targets (release, -sanitize=fuzzer,address) ..."
    # C code (the image codec shim, libyaml) gets the same coverage instrumentation and ASan; the
    # system libpng/libjpeg are not instrumented.
    log="$(mktemp)"
    if ! swift build -c release --package-path "$package" \
            -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"
        echo "fuzz build failed" >&2; exit 1
    fi
    grep -E "error|warning: .*\.swift" "$log" || true
    rm -f "$log"
    echo "built in $(( $(date +%s) - start )) s"
fi
bin="$(swift build -c release --package-path "$package" --show-bin-path)"

# A trap then reaches libFuzzer's handler directly (which prints the stack and keeps the input); the
# Swift runtime's own backtracer would read memory ASan reports as a second, unrelated error.
export SWIFT_BACKTRACE=enable=no
out="${FUZZ_OUT:-$here/.build/runs/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
echo "fuzzing ${targets[*]} for $seconds s each; output in $out"
failed=()
for t in "${targets[@]}"; do
    dir="$out/$t"
    mkdir -p "$dir/corpus" "$dir/crashes"
    cp -R "$here/Corpus/$t/." "$dir/corpus/"
    status=0
    dict=()
    [ -f "$here/Dict/$t.dict" ] && dict=(-dict="$here/Dict/$t.dict")
    # Leak checking is off: the Swift runtime's caches (type metadata, conformances) are never freed.
    # shellcheck disable=SC2086
    # A header may legitimately announce up to 178,956,970 pixels (Pillow's decompression-bomb limit):
    # decoding that takes about 2 GB (RGB output plus the 16-bit RGBA scratch), so images get 4 GB.
    # Such an image also takes time: a 184-byte JPEG announcing 7710 x 19713 CMYK pixels is decoded
    # (zeros after its data, as Pillow does) in 2 s in release and over 10 s under AddressSanitizer on
    # 2 busy cores before its damaged trailer is refused, so images get 60 s before a hang (or a slow unit) is reported.
    rss=2048 timeout=10
    [ "$t" = image ] && rss=4096 timeout=60
    "$bin/fuzz-$t" "$dir/corpus" -max_total_time="$seconds" -rss_limit_mb="$rss" -timeout="$timeout" -report_slow_units="$timeout" \
        -max_len="$(max_len "$t")" -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$dir/crashes/" \
        "${dict[@]}" ${FUZZ_ARGS:-} >"$dir/log" 2>&1 || status=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$dir/log" | tail -1)
    findings=$(find "$dir/crashes" -type f | wc -l)
    if [ -n "$runs" ] && [ "$status" = 0 ] && [ "$findings" = 0 ]; then
        set -- $runs
        echo "$t: $1 executions in $2 s ($(( $1 / ($2 > 0 ? $2 : 1) )) exec/s), corpus $(ls "$dir/corpus" | wc -l) inputs, no crash"
    else
        failed+=("$t")
        echo "$t: FAILED (exit status $status, $findings input(s) in $dir/crashes; log $dir/log)"
        # The error, and the first frame in Pretext's code.
        grep -m1 -E "^==[0-9]+== ?ERROR|Fatal error" "$dir/log" | sed 's/^/    /' || true
        grep -m2 -E "#[0-9]+ .* in .*(Sources/Pretext|Sources/CImageCodec|Swift runtime failure)" "$dir/log" | sed 's/^ */    /' || true
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]} (inputs under $out/<target>/crashes)"
    exit 1
fi
echo "fuzzing: no crash in ${targets[*]}"
