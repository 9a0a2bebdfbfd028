"""The Lightly 1.6 side of a fidelity run that outlasts one sitting: lightly_knn.main()'s recipe for any method of
lightly_knn.py or lightly_extra_methods.py (the same data, model, heads, optimiser, per-step schedule and kNN),
checkpointed after every epoch, so a 50-epoch SimMIM or a full-data MoCo v3 / iBOT run continues where it stopped
(as `ssl-run --resume` does on Pretext's side):

    $PEER/bin/python Tests/Fixtures/lightly_resumable.py --method simmim --epochs 50 --seed 0 --threads 1 \\
        --train ../shared/data/cifar10/train --test ../shared/data/cifar10/test \\
        --checkpoint runs/simmim50-l0.pt --json runs/simmim50-l0.json

Run the same command again to resume: when --checkpoint exists it is read and training continues with the next
epoch. The checkpoint holds the backbone, the heads, every module and step counter the method's step closes over
(momentum copies, loss centres, queues), the optimiser, the schedule, the global RNG states (torch, Python, NumPy;
the DataLoader draws its shuffle and worker seeds from torch's) and the results so far; it is written to a
temporary file and renamed. A resumed run gives the losses of an uninterrupted one (checked: a run stopped with
--stop-after 1 and run again ends with the same per-epoch losses as one run straight through).

The loop is lightly_knn.main()'s, restated because main() builds it inline; options are main()'s plus --checkpoint
(and lightly_extra_methods.py's SwAV queue options).
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np

import lightly_extra_methods  # registers the extra methods in lightly_knn (and reads the SwAV queue options)
from lightly_extra_methods import lightly_knn
import torch
import torch.nn as nn
import torchvision


def closure_state(fn, seen=None):
    """The modules and mutable counters (lists of numbers) a step function closes over, in a fixed order: its
    closure cells in the order the compiler lists them, nested functions first-seen, each object once."""
    seen = set() if seen is None else seen
    found = []
    for cell in fn.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        items = value if isinstance(value, (list, tuple)) and value and all(isinstance(v, nn.Module) for v in value) else [value]
        for v in items:
            if id(v) in seen:
                continue
            if isinstance(v, nn.Module) or (isinstance(v, list) and all(isinstance(x, (int, float)) for x in v)):
                seen.add(id(v))
                found.append(v)
            elif callable(v) and getattr(v, "__closure__", None):
                seen.add(id(v))
                found.extend(closure_state(v, seen))
    return found


def state_of(objects):
    return [o.state_dict() if isinstance(o, nn.Module) else list(o) for o in objects]


def load_state(objects, states):
    if len(objects) != len(states):
        sys.exit(f"checkpoint holds {len(states)} step objects but this method has {len(objects)}: another method or script version")
    for o, s in zip(objects, states):
        if isinstance(o, nn.Module):
            o.load_state_dict(s)
        else:
            o[:] = s


def save_checkpoint(path, payload):
    tmp = f"{path}.tmp"
    torch.save(payload, tmp)
    os.replace(tmp, path)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", default="simclr", choices=sorted(lightly_knn.METHODS))
    ap.add_argument("--train", required=True); ap.add_argument("--test", required=True)
    ap.add_argument("--epochs", type=int, default=5); ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, help="default 0.06*batch_size/256 (the ViT methods: their OPTIMIZERS entry)")
    ap.add_argument("--seed", type=int, default=0); ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--width", type=float, default=1.0, help="channel multiplier (0.25: 16-32-64-128)")
    ap.add_argument("--device", default="cpu"); ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json")
    ap.add_argument("--checkpoint", required=True, help="written after every epoch; resumed from when it exists")
    ap.add_argument("--stop-after", type=int, help="stop after this many epochs of this sitting (for --check-resume)")
    return ap.parse_args()


def optimizer_and_schedule(method, kind, params, lr, wd, warmup, steps_per_epoch, epochs):
    """lightly_knn.main()'s optimiser and per-step schedule: SGD + cosine, or AdamW + linear warm-up then cosine."""
    if kind == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=wd)
        return opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps_per_epoch)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=wd, betas=(0.9, 0.95) if method == "mae" else (0.9, 0.999))
    w, total = warmup * steps_per_epoch, epochs * steps_per_epoch
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, lambda t: (t + 1) / w if t < w else
                                                  0.5 * (1 + math.cos(math.pi * (t - w) / max(1, total - w))))


def build(a):
    """lightly_knn.main()'s model, heads, data, optimiser and schedule, in its order (so the same seed builds the
    same initial weights)."""
    torch.manual_seed(a.seed); torch.set_num_threads(a.threads)
    random.seed(a.seed); np.random.seed(a.seed)  # main() leaves these unseeded (random_block_mask draws from `random`)
    dev = torch.device(a.device)
    bb = (lightly_knn.BACKBONES[a.method]() if a.method in lightly_knn.BACKBONES else lightly_knn.backbone(a.width)).to(dev)
    dim = getattr(bb, 'feature_dim', 512)
    kind, default_lr, wd, warmup = lightly_knn.OPTIMIZERS.get(a.method, ("sgd", lambda bs: 0.06 * bs / 256, 5e-4, 0))
    lr = a.lr if a.lr is not None else default_lr(a.batch_size)
    res = {"method": a.method, "backbone": "vit-t/4" if a.method in lightly_knn.BACKBONES else f"resnet18-cifar x{a.width}",
           "width": a.width, "epochs": a.epochs, "batch_size": a.batch_size, "lr": lr, "seed": a.seed}
    fresh = not os.path.exists(a.checkpoint)
    if fresh:  # main() scores the random initialisation before it builds the heads
        res["random_init"] = lightly_knn.knn(bb, a.train, a.test)
        print("random init", res["random_init"], flush=True)
    with dev:
        tf, heads, step = lightly_knn.METHODS[a.method](bb, dim)
    ds = torchvision.datasets.ImageFolder(a.train, tf())
    dl = torch.utils.data.DataLoader(ds, batch_size=a.batch_size, shuffle=True, drop_last=True, num_workers=a.workers)
    params = list({id(p): p for m in [bb, *heads] for p in m.parameters()}.values())
    opt, sched = optimizer_and_schedule(a.method, kind, params, lr, wd, warmup, len(dl), a.epochs)
    return dev, bb, heads, step, dl, opt, sched, res


def main():
    a = parse_args()
    dev, bb, heads, step, dl, opt, sched, res = build(a)
    objects = [bb, *heads] + [o for o in closure_state(step) if all(o is not m for m in [bb, *heads])]
    start = 0
    if os.path.exists(a.checkpoint):
        ck = torch.load(a.checkpoint, weights_only=False)
        if ck["args"] != {k: v for k, v in vars(a).items() if k not in ("json", "checkpoint", "stop_after", "threads", "workers")}:
            sys.exit(f"{a.checkpoint} was written for other options: {ck['args']}; give those, or another --checkpoint")
        load_state(objects, ck["objects"])
        opt.load_state_dict(ck["optimizer"]); sched.load_state_dict(ck["schedule"])
        torch.set_rng_state(ck["rng"]["torch"]); random.setstate(ck["rng"]["python"]); np.random.set_state(ck["rng"]["numpy"])
        start, res = ck["epoch"], ck["results"]
        print(f"resumed from {a.checkpoint} after epoch {start}", flush=True)
    res.setdefault("loss", []); res.setdefault("epoch_seconds", [])
    for ep in range(start, a.epochs):
        if a.stop_after is not None and ep - start >= a.stop_after:
            print(f"stopped after epoch {ep} (--stop-after)", flush=True)
            return
        tot, te = 0.0, time.time()
        for views, _ in dl:
            views = [v.to(dev) for v in views] if isinstance(views, (list, tuple)) else views.to(dev)
            loss = step(views, ep)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step(); tot += loss.item()
        res["loss"].append(tot / len(dl)); res["epoch_seconds"].append(time.time() - te)
        print(f"epoch {ep} loss {res['loss'][-1]:.4f} epoch {res['epoch_seconds'][-1]:.0f}s", flush=True)
        save_checkpoint(a.checkpoint, {
            "args": {k: v for k, v in vars(a).items() if k not in ("json", "checkpoint", "stop_after", "threads", "workers")},
            "epoch": ep + 1, "results": res, "objects": state_of(objects),
            "optimizer": opt.state_dict(), "schedule": sched.state_dict(),
            "rng": {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()}})
    res["train_seconds"] = sum(res["epoch_seconds"])
    res["pretrained"] = lightly_knn.knn(bb, a.train, a.test)
    print("pretrained", res["pretrained"], flush=True)
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
