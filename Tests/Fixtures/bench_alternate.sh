#!/usr/bin/env bash
# Alternating side-by-side rounds of PyTorch (../shared/peer/bench_peer.py) and one or more Pretext builds,
# for machines whose speed drifts between runs (10-30 % within minutes on a shared 2-core VM): each round
# times PyTorch, then every build against that round's PyTorch figures; compare medians of the rounds,
# never a single pass. A benchmark, never a test.
#   PEER=/path/to/venv ROUNDS=3 CASES=B1,B2,B4,B6 Tests/Fixtures/bench_alternate.sh [pretext-bench ...]
# Default build: .build/release/pretext-bench (swift build -c release --product pretext-bench). An older
# build to compare with: git worktree add ../old COMMIT && (cd ../old && swift build -c release
# --product pretext-bench), then pass ../old/.build/release/pretext-bench first.
set -euo pipefail
cd "$(dirname "$0")/../.."
PEER=${PEER:?set PEER to the PyTorch + Lightly virtual environment}
ROUNDS=${ROUNDS:-3}
CASES=${CASES:-B1,B2,B4,B6}
OUT=${OUT:-$(mktemp -d)}
builds=("${@:-.build/release/pretext-bench}")
for r in $(seq 1 "$ROUNDS"); do
    "$PEER/bin/python" ../shared/peer/bench_peer.py --only "$CASES" --json "$OUT/peer$r.json" >"$OUT/peer$r.log" 2>&1
    for i in "${!builds[@]}"; do
        "${builds[$i]}" --only "$CASES" --peer "$OUT/peer$r.json" >"$OUT/build$i-round$r.log" 2>&1
        echo "round $r, ${builds[$i]}:"
        grep -h '^B[0-9] \|matmul 2048² (openblas-mt)\|conv2d' "$OUT/build$i-round$r.log" | grep -v kernels || true
    done
done
echo "logs: $OUT"
