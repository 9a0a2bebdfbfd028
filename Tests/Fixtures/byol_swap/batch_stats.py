"""batch_stats.py BATCHES: per-batch grayscale-view counts and brightness of a BYOL batch file (README.md here)."""
import sys, numpy as np
MEAN = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]; STD = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
d = np.memmap(sys.argv[1], dtype=np.float32, mode="r").reshape(468, 2, 128, 3, 32, 32)
g, m, sol = [], [], []
for t in range(0, 468, 3):
    x = np.array(d[t]) * STD + MEAN  # [2,128,3,32,32]
    gray = (np.abs(x[:, :, 0] - x[:, :, 1]).max((2, 3)) < 2.5 / 255) & (np.abs(x[:, :, 1] - x[:, :, 2]).max((2, 3)) < 2.5 / 255)
    g.append(gray.sum(1)); m.append(x.mean((2, 3, 4)))
g = np.array(g); m = np.array(m)
print(sys.argv[1].split('/')[-1], "gray per batch: view1 mean %.2f sd %.2f, view2 mean %.2f sd %.2f (binomial sd 4.53)" % (g[:,0].mean(), g[:,0].std(), g[:,1].mean(), g[:,1].std()))
print("  per-view brightness: mean v1 %.4f v2 %.4f; corr(v1, v2) over images %.3f; batch-mean sd v1 %.4f v2 %.4f" % (m[:,0].mean(), m[:,1].mean(), np.corrcoef(m[:,0].ravel(), m[:,1].ravel())[0,1], m[:,0].mean(1).std(), m[:,1].mean(1).std()))
