"""What the trained backbones of the BYOL recipe compute, Pretext's runs against Lightly's, measured on the same
images with the same code (PyTorch), to look for a systematic difference behind the kNN gap of the README's BYOL row:

    $PEER/bin/python Tests/Fixtures/byol_swap/feature_stats.py --pretext runs/byol-p17 ... --lightly runs/byol-l13.pt ...

For the online and the target backbone of each run (eval mode, as lightly_knn.knn): kNN-20 on the shared test images
(lightly_knn.knn's rule on these features), the same with batch statistics instead of the running ones (BN in train
mode on test batches of 256, running buffers untouched: are the running estimates at fault?), the effective rank
of the training features (exp of the entropy of the normalised singular values, centred; dimensional collapse),
the mean cosine between the L2-normalised features of two different images, and the share of feature dimensions
that are zero on 99 % of the images (dead ReLU channels). Mean ± std over each side's runs. A diagnostic, not a test.
"""
import argparse
import copy
import os
import sys

import torch
import torchvision
import torchvision.transforms as T
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "shared", "peer"))
import lightly_knn  # noqa: E402
from knn_eval import resnet_from_pretext  # noqa: E402
from lightly.transforms.utils import IMAGENET_NORMALIZE  # noqa: E402

TRAIN = os.environ.get("CIFAR_TRAIN", "../shared/data/cifar10/train")
TEST = os.environ.get("CIFAR_TEST", "../shared/data/cifar10/test")


def images(folder):
    tf = T.Compose([T.ToTensor(), T.Normalize(IMAGENET_NORMALIZE["mean"], IMAGENET_NORMALIZE["std"])])
    ds = torchvision.datasets.ImageFolder(folder, tf)
    xs, ys = zip(*[ds[i] for i in range(len(ds))])
    return torch.stack(xs), torch.tensor(ys)


def pretext_backbones(folder):
    w = load_file(os.path.join(folder, "checkpoints", "last", "model.safetensors"))
    online = resnet_from_pretext({k: v for k, v in w.items() if k.startswith("backbone.")})
    target = resnet_from_pretext({k[len("target_"):]: v for k, v in w.items() if k.startswith("target_backbone.")})
    return online, target


def lightly_backbones(path):
    ck = torch.load(path, weights_only=False)
    out = []
    for sd in (ck["objects"][0], ck["objects"][3]):
        bb = lightly_knn.backbone(0.25)
        bb.load_state_dict(sd)
        out.append(bb)
    return out


@torch.no_grad()
def features(bb, x, batch_stats=False):
    bb = copy.deepcopy(bb)
    bb.eval()
    if batch_stats:
        for m in bb.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.train()
                m.momentum = 0.0  # batch statistics, running buffers unchanged
    return torch.cat([bb(x[i:i + 256]) for i in range(0, len(x), 256)])


def knn20(ftr, ytr, fte, yte, t=0.1):
    ftr, fte = torch.nn.functional.normalize(ftr, dim=1), torch.nn.functional.normalize(fte, dim=1)
    w, i = (fte @ ftr.T).topk(20, dim=1)
    votes = torch.zeros(len(fte), int(ytr.max()) + 1).scatter_add_(1, ytr[i], (w / t).exp())
    return (votes.argmax(1) == yte).float().mean().item() * 100


def stats(bb, data):
    (xtr, ytr), (xte, yte) = data
    ftr, fte = features(bb, xtr), features(bb, xte)
    btr, bte = features(bb, xtr, True), features(bb, xte, True)
    centred = ftr - ftr.mean(0)
    s = torch.linalg.svdvals(centred.double())
    p = s / s.sum()
    erank = torch.exp(-(p * torch.log(p.clamp_min(1e-30))).sum()).item()
    n = torch.nn.functional.normalize(fte, dim=1)
    cos = ((n @ n.T).sum() - len(n)).item() / (len(n) * (len(n) - 1))
    dead = ((ftr.abs() < 1e-6).float().mean(0) >= 0.99).float().mean().item() * 100
    return {"knn20": knn20(ftr, ytr, fte, yte), "knn20_batchstats": knn20(btr, ytr, bte, yte),
            "erank": erank, "cos": cos, "dead%": dead, "norm": ftr.norm(dim=1).mean().item()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretext", nargs="*", default=[])
    ap.add_argument("--lightly", nargs="*", default=[])
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("THREADS", "1")))
    data = (images(TRAIN), images(TEST))
    table = {}
    for side, runs, load in (("Pretext", a.pretext, pretext_backbones), ("Lightly", a.lightly, lightly_backbones)):
        for r in runs:
            for which, bb in zip(("online", "target"), load(r)):
                st = stats(bb, data)
                table.setdefault((side, which), []).append(st)
                print(side, which, os.path.basename(r.rstrip("/")),
                      " ".join(f"{k} {v:.4g}" for k, v in st.items()), flush=True)
    keys = ["knn20", "knn20_batchstats", "erank", "cos", "dead%", "norm"]
    print(f"\n{'side':8} {'net':7} " + " ".join(f"{k:>18}" for k in keys))
    for (side, which), rows in sorted(table.items()):
        cells = []
        for k in keys:
            v = torch.tensor([r[k] for r in rows], dtype=torch.float64)
            cells.append(f"{v.mean().item():9.4g} ±{(v.std().item() if len(v) > 1 else 0):7.2g}")
        print(f"{side:8} {which:7} " + " ".join(f"{c:>18}" for c in cells))


if __name__ == "__main__":
    main()
