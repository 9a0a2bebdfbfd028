"""Compares what 12 epochs of SimMIM leave in the weights and in AdamW's state on the two sides, tensor group by
tensor group, to tell a systematic difference in the training (one kind of tensor growing or shrinking on one side
only, a parameter trained or decayed on one side only) from the seed-to-seed spread of chaotic runs:

    $PEER/bin/python Tests/Fixtures/simmim_swap/compare_trained.py \\
        --pretext runs/simmim-p3 runs/simmim-p4 ... --lightly runs/simmim-l3.pt runs/simmim-l4.pt ...

--pretext: run folders of `ssl-run --config templates/recipes/simmim-vit-cifar-small.yaml` (their checkpoints/last);
--lightly: checkpoints of `Tests/Fixtures/lightly_resumable.py --method simmim` after their last epoch. Groups are the
tensors of one kind over the 12 blocks (e.g. blocks.*.attn.qkv.weight); for each: the RMS of the weights and of AdamW's
first and second moments, mean ± std over the runs of each side, and the difference in units of the larger spread.
A diagnostic for the README's SimMIM row, not a test.
"""
import argparse
import os
import re
import sys

import torch
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "shared", "peer"))


def group_of(name):
    return re.sub(r"blocks\.\d+\.", "blocks.*.", name)


def rms(t):
    return t.float().pow(2).mean().sqrt().item()


def pretext_run(folder):
    """{name: (weight, exp_avg, exp_avg_sq)} with timm-style names (backbone. prefix dropped)."""
    last = os.path.join(folder, "checkpoints", "last")
    w, o = load_file(os.path.join(last, "model.safetensors")), load_file(os.path.join(last, "optimizer.safetensors"))
    out = {}
    for k, v in w.items():
        name = {"mask_token.mask_token": "mask_token"}.get(k, k.removeprefix("backbone."))
        out[name] = (v, o.get(k + ".exp_avg"), o.get(k + ".exp_avg_sq"))
    return out


def lightly_names():
    """Parameter names in the order lightly_resumable.build() hands them to AdamW: dedup of bb, enc, dec."""
    import lightly_knn
    from lightly.models.modules import MaskedVisionTransformerTIMM
    bb = lightly_knn.vit_t4()
    enc = MaskedVisionTransformerTIMM(vit=bb)
    dec = torch.nn.Linear(192, 48)
    names, seen = [], set()
    for prefix, m in (("", bb), ("enc.", enc), ("decoder.", dec)):
        for n, p in m.named_parameters():
            if id(p) not in seen:
                seen.add(id(p))
                names.append((prefix + n).replace("enc.mask_token", "mask_token"))
    return names


def lightly_run(path, names):
    ck = torch.load(path, weights_only=False)
    bb, enc, dec = ck["objects"][:3]
    state = ck["optimizer"]["state"]
    weights = dict(bb)
    weights["mask_token"] = enc["mask_token"]
    weights.update({"decoder." + k: v for k, v in dec.items()})
    out = {}
    for i, n in enumerate(names):
        s = state.get(i, {})
        out[n] = (weights[n], s.get("exp_avg"), s.get("exp_avg_sq"))
    return out


def summarise(runs):
    """{group: {stat: [value per run]}}"""
    g = {}
    for r in runs:
        per = {}
        for n, (w, m, v) in r.items():
            d = per.setdefault(group_of(n), {"w": [], "m": [], "v": []})
            d["w"].append(rms(w))
            d["m"].append(rms(m) if m is not None else float("nan"))
            d["v"].append(rms(v) if v is not None else float("nan"))
        for grp, d in per.items():
            for stat, vals in d.items():
                g.setdefault(grp, {}).setdefault(stat, []).append(sum(vals) / len(vals))
    return g


def mean_std(xs):
    t = torch.tensor(xs, dtype=torch.float64)
    return t.mean().item(), (t.std().item() if len(xs) > 1 else 0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretext", nargs="+", required=True)
    ap.add_argument("--lightly", nargs="+", required=True)
    a = ap.parse_args()
    names = lightly_names()
    p = summarise([pretext_run(f) for f in a.pretext])
    l_ = summarise([lightly_run(f, names) for f in a.lightly])
    print(f"{len(a.pretext)} Pretext runs, {len(a.lightly)} Lightly runs; RMS per tensor, averaged over a group's tensors")
    print(f"{'group':34} {'stat':4} {'Pretext':>20} {'Lightly':>20} {'ratio':>6} {'z':>6}")
    for grp in sorted(set(p) | set(l_)):
        for stat, label in (("w", "w"), ("m", "m"), ("v", "v")):
            if grp not in p or grp not in l_:
                print(f"{grp:34} only on {'Pretext' if grp in p else 'Lightly'}")
                break
            (pm, ps), (lm, ls) = mean_std(p[grp][stat]), mean_std(l_[grp][stat])
            z = f"{(pm - lm) / max(ps, ls):6.1f}" if max(ps, ls) > 0 else "     -"  # needs 2+ runs a side
            print(f"{grp:34} {label:4} {pm:11.4e} ±{ps:8.1e} {lm:11.4e} ±{ls:8.1e} {pm / lm if lm else float('nan'):6.3f} {z}")


if __name__ == "__main__":
    main()
