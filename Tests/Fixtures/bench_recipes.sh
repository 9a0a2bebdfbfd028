#!/usr/bin/env bash
# Times one epoch of every shared CPU recipe in Pretext and in Lightly, one after the other in one session,
# and prints a table (seconds per epoch, ratio Pretext / Lightly). A benchmark, never a test. The Lightly
# side is ../shared/peer/lightly_knn.py for the six FIDELITY.md methods and Tests/Fixtures/lightly_extra_methods.py
# (the same main(), data and kNN) for the methods of issue #18 and BYOL. The slow multi-crop / jigsaw / ViT-pair
# recipes (DINO-ViT, jigsaw, MoCo v3, iBOT) use a class-balanced subset (SUBSET images, default 1280) on both
# sides, as their fidelity runs do; the others the 5,000 shared training images.
#   PEER=/path/to/venv [THREADS=2] Tests/Fixtures/bench_recipes.sh [recipe ...]   (default: the first six)
#   PEER=... Tests/Fixtures/bench_recipes.sh all                                   (all 17 recipes; not timed as a whole)
# Needs: Plugins/.build/release/ssl-run (swift build -c release --package-path Plugins) and $PEER with
# torch torchvision timm lightly==1.6.0. Both sides use THREADS threads (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
PEER=${PEER:?set PEER to the PyTorch + Lightly virtual environment}
DATA=${DATA:-../shared/data/cifar10}
SUBSET=${SUBSET:-1280}
SSL=${SSL:-Plugins/.build/release/ssl-run}
THREADS=${THREADS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A class-balanced subset as a folder of symlinks.
mkdir -p "$work/subset"
per=$((SUBSET / $(ls "$DATA/train" | wc -l)))
for c in "$DATA/train"/*/; do
    name=$(basename "$c"); mkdir -p "$work/subset/$name"
    files=("$c"*)   # sorted by the glob; no pipe, so no SIGPIPE under pipefail
    for f in "${files[@]:0:$per}"; do ln -s "$(realpath "$f")" "$work/subset/$name/$(basename "$f")"; done
done

# recipe file : Lightly-side method : data (full|subset); methods lightly_knn.py lacks run through lightly_extra_methods.py
first="simclr:simclr:full moco:moco:full rotation:rotation:full mae-vit:mae:full dino-vit:dino-vit:subset jigsaw:jigsaw:subset"
more="byol:byol:full dino-resnet:dino:full simsiam:simsiam:full barlowtwins:barlowtwins:full vicreg:vicreg:full
      dcl:dcl:full nnclr:nnclr:full swav:swav:full mocov3-vit:mocov3:subset simmim-vit:simmim:full ibot-vit:ibot:subset"
all="$first $more"
want=${*:-simclr moco rotation mae-vit dino-vit jigsaw}
[ "$want" = all ] && want=$(for e in $all; do printf '%s ' "${e%%:*}"; done)
printf '%-10s %-7s %12s %12s %7s\n' recipe images "pretext s" "lightly s" ratio
for entry in $all; do
    IFS=: read -r recipe method which <<<"$entry"
    [[ " $want " == *" $recipe "* ]] || continue
    train="$DATA/train"; [ "$which" = subset ] && train="$work/subset"
    images=$(find -L "$train" -type f | wc -l)
    "$SSL" --config "templates/recipes/$recipe-cifar-small.yaml" --data "$train" --epochs 1 --quiet --threads "$THREADS" \
        --set eval.at_start=false --out "$work/run-$recipe" >/dev/null 2>"$work/err" \
        || { cat "$work/err"; exit 1; }
    ours=$(python3 -c "import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if 'epoch_seconds' in l][-1]['epoch_seconds'])" "$work/run-$recipe/metrics.jsonl")
    peer=../shared/peer/lightly_knn.py
    [[ " $first " == *" $entry "* ]] || peer=Tests/Fixtures/lightly_extra_methods.py
    "$PEER/bin/python" "$peer" --method "$method" --train "$train" --test "$DATA/test" \
        --epochs 1 --width 0.25 --threads "$THREADS" --json "$work/lightly-$recipe.json" >"$work/err" 2>&1 \
        || { cat "$work/err"; exit 1; }
    theirs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['epoch_seconds'][0])" "$work/lightly-$recipe.json")
    python3 -c "import sys; o,t=float(sys.argv[3]),float(sys.argv[4]); print(f'{sys.argv[1]:<10} {sys.argv[2]:<7} {o:12.1f} {t:12.1f} {o/t:6.2f}x')" \
        "$recipe" "$images" "$ours" "$theirs"
done
