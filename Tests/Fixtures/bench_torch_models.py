"""PyTorch side of pretext-bench's M rows: forward and forward+backward (of the features' sum) of
resnet18 with the CIFAR stem (batch 128, 32 px) and timm's vit_small_patch16_224 (batch 16, 224 px),
in training mode, median of 5 timed passes after 2 warm-ups — the same shapes and protocol as
Sources/PretextBench/ModelPasses.swift.

Run in the PyTorch virtual environment (outside the repo), then hand the JSON to pretext-bench:
    $PEER/bin/python Tests/Fixtures/bench_torch_models.py --json /tmp/torch-models.json
    .build/release/pretext-bench --only M --peer /tmp/torch-models.json
"""
import argparse, json, statistics, time

import timm
import torch
import torch.nn as nn
import torchvision


def timed(fn, warmup=2, steps=5):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return statistics.median(times)


def passes(model, x):
    model.train()
    def fwd():
        with torch.no_grad():
            model(x)
    def fwd_bwd():
        model.zero_grad(set_to_none=True)
        model(x).sum().backward()
    return {"fwd": timed(fwd) * 1e3, "fwd_bwd": timed(fwd_bwd) * 1e3}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.manual_seed(0); torch.set_num_threads(a.threads)
    r18 = torchvision.models.resnet18()
    r18.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False); r18.maxpool = nn.Identity(); r18.fc = nn.Identity()
    vit = timm.create_model("vit_small_patch16_224", num_classes=0)
    res = {"M1": passes(r18, torch.randn(128, 3, 32, 32)), "M2": passes(vit, torch.randn(16, 3, 224, 224))}
    for k, v in res.items():
        print(k, {p: round(ms, 1) for p, ms in v.items()}, "ms", flush=True)
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
