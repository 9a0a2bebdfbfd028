"""Cross-checks Pretext's kNN evaluation and ViT initialisation against Lightly's, on one exported backbone.

    $PEER/bin/python Tests/Fixtures/vit_knn_crosscheck.py BACKBONE.safetensors [...] [--seed S] [--init-stats]
        [--lightly-inits 0,1,2,3]

BACKBONE.safetensors: `ssl-run export RUN --out ...` of a ViT-T/4 run (timm keys). Loads it into lightly_knn.vit_t4()
and prints lightly_knn.knn() on the shared CIFAR-10 train/test folders: the figure must equal the run's own kNN-20 /
kNN-200 (same weights, same images, same evaluation). With --init-stats (give the export of a run that did not move
its weights, e.g. `--lr 1e-30 --set optimizer.weight_decay=0 --epochs 1`), it also builds Lightly's
MaskedVisionTransformerTIMM(vit=vit_t4()) at torch seed S (MAE initialisation, fixed sine-cosine position embedding)
and prints every tensor's mean / std / largest magnitude on both sides, flagging those that differ by more than 10 %
of the std, and the kNN of Lightly's own initialisation. With --lightly-inits, it scores Lightly's initialisation built
at each of those torch seeds alone (`torch.manual_seed(S)`, vit_t4(), MaskedVisionTransformerTIMM), to set beside the
exports of Pretext's initial weights at the same seeds (several BACKBONE files may be given; each is scored). A check
for the README's quality table, not a test.
"""
import argparse
import os
import sys

import torch
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "shared")
sys.path.insert(0, os.path.join(SHARED, "peer"))
import lightly_knn  # noqa: E402

TRAIN, TEST = (os.path.join(SHARED, "data", "cifar10", d) for d in ("train", "test"))


def lightly_initialisation(seed):
    """Lightly's ViT-T/4 as its MAE/SimMIM recipes start: torch seed, vit_t4(), MaskedVisionTransformerTIMM's init."""
    from lightly.models.modules import MaskedVisionTransformerTIMM
    torch.manual_seed(seed)
    bb = lightly_knn.vit_t4()
    MaskedVisionTransformerTIMM(vit=bb)
    return bb


def init_stats(weights, seed):
    bb = lightly_initialisation(seed)
    for key, a in bb.state_dict().items():
        if key not in weights:
            print(f"{key:32s} only in Lightly's model")
            continue
        a, b = a.float(), weights[key].float()
        differs = abs(a.std() - b.std()) > 0.1 * (a.std() + 1e-6) or abs(a.mean() - b.mean()) > 0.02 + 0.1 * a.std()
        print(f"{key:32s} Lightly mean {a.mean():+.4f} std {a.std():.4f} max {a.abs().max():.4f} | "
              f"Pretext mean {b.mean():+.4f} std {b.std():.4f} max {b.abs().max():.4f}{'  <<< differs' if differs else ''}")
    print("Lightly's initialisation, lightly_knn.knn:", lightly_knn.knn(bb, TRAIN, TEST))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("backbones", nargs="+")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init-stats", action="store_true")
    ap.add_argument("--lightly-inits", help="comma-separated torch seeds")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for path in args.backbones:
        weights = load_file(path)
        if args.init_stats:
            init_stats(weights, args.seed)
        bb = lightly_knn.vit_t4()
        missing, unexpected = bb.load_state_dict(weights, strict=False)
        if missing or unexpected:
            sys.exit(f"{path}: keys do not fit vit_t4: missing {missing}, unexpected {unexpected}")
        print(f"{path}, lightly_knn.knn:", lightly_knn.knn(bb, TRAIN, TEST), flush=True)
    for seed in (args.lightly_inits.split(",") if args.lightly_inits else []):
        bb = lightly_initialisation(int(seed))
        print(f"Lightly's initialisation at torch seed {seed}, lightly_knn.knn:", lightly_knn.knn(bb, TRAIN, TEST), flush=True)


if __name__ == "__main__":
    main()
