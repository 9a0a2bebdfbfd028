"""compare_stats.py A.bin B.bin: pixel-level statistics of two BYOL batch files (raw f32 [batches, 2, 128, 3, 32, 32],
from dump_pretext_batches.swift / lightly_on_batches.py dump), every second batch of the first 120, side by side (README.md here)."""
import sys, numpy as np
MEAN = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]; STD = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
def stats(path, batches=range(0, 120, 2)):
    d = np.memmap(path, dtype=np.float32, mode="r").reshape(-1, 2, 128, 3, 32, 32)
    acc = {k: [[], []] for k in ["mean", "img_std", "grad", "sat", "clip0", "clip1", "quant", "lap"]}
    for t in batches:
        x = np.array(d[t]) * STD + MEAN
        for v in range(2):
            y = x[v]                                     # [128,3,32,32]
            acc["mean"][v].append(y.mean())
            acc["img_std"][v].append(y.std(axis=(1, 2, 3)).mean())
            acc["grad"][v].append(np.abs(np.diff(y, axis=3)).mean())
            acc["lap"][v].append(np.abs(y[:, :, 1:-1, 1:-1] * 4 - y[:, :, :-2, 1:-1] - y[:, :, 2:, 1:-1] - y[:, :, 1:-1, :-2] - y[:, :, 1:-1, 2:]).mean())
            acc["sat"][v].append((y.max(1) - y.min(1)).mean())
            acc["clip0"][v].append((y < 0.5 / 255).mean()); acc["clip1"][v].append((y > 1 - 0.5 / 255).mean())
            acc["quant"][v].append((np.abs(y * 255 - np.round(y * 255)) < 0.01).mean())
    return {k: (np.mean(a[0]), np.mean(a[1])) for k, a in acc.items()}
a, b = stats(sys.argv[1]), stats(sys.argv[2])
print("%-8s %22s %22s" % ("", sys.argv[1].split("/")[-1] + " v1 / v2", sys.argv[2].split("/")[-1] + " v1 / v2"))
for k in a: print("%-8s %10.4f / %-10.4f %10.4f / %-10.4f" % (k, *a[k], *b[k]))
