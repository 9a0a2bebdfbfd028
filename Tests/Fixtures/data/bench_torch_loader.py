#!/usr/bin/env python3
"""Times torchvision + Lightly view transforms in a PyTorch DataLoader (the baseline for Pretext's
LoaderBenchmark: decode + multi-view transform + collation), on the same ImageFolder files.

    python Tests/Fixtures/data/bench_torch_loader.py [--root ../shared/data/cifar10/train] [--workers 2]

Cases (Lightly defaults, as Pretext's presets):
  simclr-32        lightly SimCLRTransform(input_size=32) on every image (default 5000)
  dino-224/96      lightly DINOTransform() (2 x 224 px global + 6 x 96 px local crops), first 1024 images
Images/s are counted after the first batch (worker start-up and the first batch excluded), like
LoaderBenchmark.measure. torch threads are left at PyTorch's defaults (1 per worker process).
"""
import argparse
import os
import time

import torch
import torchvision
from torch.utils.data import DataLoader, Subset


def measure(dataset, transform, workers, batch_size, images):
    dataset.transform = transform
    n = min(len(dataset), images + batch_size)
    subset = Subset(dataset, list(range(n)))
    g = torch.Generator()
    g.manual_seed(0)
    loader = DataLoader(subset, batch_size=batch_size, shuffle=True, num_workers=workers, drop_last=False,
                        generator=g, persistent_workers=False)
    it = iter(loader)
    next(it)  # warm-up: workers started, first batch
    start = time.perf_counter()
    count = 0
    for views, _ in it:
        count += views[0].shape[0]
    return count / (time.perf_counter() - start)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_root = os.path.normpath(os.path.join(here, "../../../../shared/data/cifar10/train"))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=default_root)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--dino-images", type=int, default=1024)
    args = ap.parse_args()

    import lightly
    from lightly.transforms import DINOTransform, SimCLRTransform

    ds = torchvision.datasets.ImageFolder(args.root)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, lightly {lightly.__version__}; "
          f"{args.root} ({len(ds)} images), {args.workers} workers, batch {args.batch_size}")
    cases = [
        (f"decode+simclr-32 ({args.workers} workers)", SimCLRTransform(input_size=32), args.images),
        (f"decode+dino-224/96 multi-crop ({args.workers} workers)", DINOTransform(), args.dino_images),
    ]
    for name, transform, n in cases:
        ips = measure(ds, transform, args.workers, args.batch_size, n)
        print(f"{name}: {ips:.0f} images/s")


if __name__ == "__main__":
    main()
