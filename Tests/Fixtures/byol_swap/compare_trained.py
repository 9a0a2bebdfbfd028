"""Compares what the 12-epoch BYOL recipe leaves in the networks and in SGD's momentum buffers on the two sides,
tensor by tensor, to tell a systematic difference in the training (a kind of tensor growing or shrinking on one side
only, running statistics or an EMA target that drift differently) from the seed-to-seed spread of chaotic runs:

    $PEER/bin/python Tests/Fixtures/byol_swap/compare_trained.py \\
        --pretext runs/byol-p17 runs/byol-p18 ... --lightly runs/byol-l13.pt runs/byol-l14.pt ...

--pretext: run folders of `ssl-run --config templates/recipes/byol-cifar-small.yaml` (their checkpoints/last);
--lightly: checkpoints of `Tests/Fixtures/lightly_resumable.py --method byol --width 0.25` after their last epoch.
Rows are Pretext's tensor names (Lightly's are mapped onto them); for each, the RMS (or, for running means, the
mean) over the runs of each side, mean ± std, and the difference in units of the larger spread. --groups folds
tensors of one kind over the layers (e.g. every bn weight of the online backbone). A diagnostic for the README's
BYOL row, not a test.
"""
import argparse
import os
import re
import sys

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from knn_eval import pretext_key  # noqa: E402


def lightly_run(path):
    ck = torch.load(path, weights_only=False)
    bb, proj, pred, tbb, _, tproj = ck["objects"][:6]
    out = {}
    for prefix, sd, backbone in (("backbone.", bb, True), ("projection.", proj, False), ("prediction.", pred, False),
                                 ("target_backbone.", tbb, True), ("target_projection.", tproj, False)):
        for k, v in sd.items():
            out[prefix + (pretext_key(k) if backbone else k)] = v
    # SGD's state is indexed in the order lightly_resumable.build() handed the parameters over — backbone, projection
    # head, prediction head — which is the order `out` was filled in (same count checked below).
    state = ck["optimizer"]["state"]
    params = [n for n in out if n.startswith(("backbone.", "projection.", "prediction.")) and "running" not in n
              and "num_batches" not in n]
    assert len(params) == len(state), (len(params), len(state))
    for i, n in enumerate(params):
        out[n + ".momentum_buffer"] = state[i]["momentum_buffer"]
    return out


def pretext_run(folder):
    last = f"{folder}/checkpoints/last"
    out = dict(load_file(f"{last}/model.safetensors"))
    out.update({k: v for k, v in load_file(f"{last}/optimizer.safetensors").items() if k.endswith("momentum_buffer")})
    return out


def statistic(name, t):
    t = t.double()
    return t.mean().item() if "running_mean" in name else t.pow(2).mean().sqrt().item()


def group_of(name):
    name = re.sub(r"layer\d\.\d\.", "layerN.", name)
    name = re.sub(r"\b(bn\d|downsample\.1)\b", "bn", name)
    name = re.sub(r"\b(conv\d|downsample\.0)\b", "conv", name)
    return name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretext", nargs="+", required=True)
    ap.add_argument("--lightly", nargs="+", required=True)
    ap.add_argument("--groups", action="store_true", help="fold tensors of one kind over the layers")
    ap.add_argument("--min-z", type=float, default=0.0, help="print only rows with |z| at least this")
    a = ap.parse_args()
    sides = []
    for runs in ([pretext_run(f) for f in a.pretext], [lightly_run(f) for f in a.lightly]):
        table = {}
        for r in runs:
            per = {}
            for n, t in r.items():
                if not t.is_floating_point():
                    continue
                per.setdefault(group_of(n) if a.groups else n, []).append(statistic(n, t))
            for g, vals in per.items():
                table.setdefault(g, []).append(sum(vals) / len(vals))
        sides.append(table)
    p, l_ = sides
    print(f"{len(a.pretext)} Pretext runs, {len(a.lightly)} Lightly runs; RMS (running_mean: mean) per tensor")
    print(f"{'tensor':58} {'Pretext':>20} {'Lightly':>20} {'ratio':>6} {'z':>6}")
    for g in sorted(set(p) | set(l_)):
        if g not in p or g not in l_:
            print(f"{g:58} only on {'Pretext' if g in p else 'Lightly'}")
            continue
        pv, lv = torch.tensor(p[g], dtype=torch.float64), torch.tensor(l_[g], dtype=torch.float64)
        ps = pv.std().item() if len(pv) > 1 else 0.0
        ls = lv.std().item() if len(lv) > 1 else 0.0
        pm, lm = pv.mean().item(), lv.mean().item()
        z = (pm - lm) / max(ps, ls) if max(ps, ls) > 0 else float("nan")
        if abs(z) < a.min_z:
            continue
        print(f"{g:58} {pm:11.4e} ±{ps:8.1e} {lm:11.4e} ±{ls:8.1e} {pm / lm if lm else float('nan'):6.3f} {z:6.1f}")


if __name__ == "__main__":
    main()
