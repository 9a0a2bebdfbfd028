"""Lightly's side of the BYOL swap runs (README.md here); run with $PEER/bin/python from the repo root.

  train BATCHES SEED OUT.json  lightly_knn.byol (width 0.25; SGD 0.03, momentum 0.9, wd 5e-4, cosine over 468 steps)
                               from torch.manual_seed(SEED) as lightly_knn.main draws it, on the batches in BATCHES
                               (raw f32 [468, 2, 128, 3, 32, 32]); per-step and per-epoch losses, kNN before/after
  train BATCHES SEED OUT.json INIT  the same from the weights INIT-{backbone,projection,prediction}.safetensors
                               (Pretext keys, e.g. Pretext's own initialisation: byol_on_batches own:SEED BATCHES 0 INIT)
  dump SEED BATCHES            Lightly's loader batches of lightly_knn.main --seed SEED (12 epochs), no training
Data folders: $CIFAR_TRAIN / $CIFAR_TEST (default ../shared/data/cifar10/{train,test}).
"""
import os, sys, json, time, numpy as np, torch, torchvision
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "peer")); import lightly_knn
mode = sys.argv[1]
torch.set_num_threads(1)
TR = os.environ.get("CIFAR_TRAIN", "../shared/data/cifar10/train"); TE = os.environ.get("CIFAR_TEST", "../shared/data/cifar10/test")
per = 128 * 3 * 32 * 32
if mode == "dump":
    seed, out = int(sys.argv[2]), sys.argv[3]
    torch.manual_seed(seed)
    bb = lightly_knn.backbone(0.25); lightly_knn.knn(bb, TR, TE)  # same RNG consumption as main (kNN draws nothing)
    tf, heads, step = lightly_knn.byol(bb, 128)
    ds = torchvision.datasets.ImageFolder(TR, tf())
    dl = torch.utils.data.DataLoader(ds, batch_size=128, shuffle=True, drop_last=True, num_workers=1)
    with open(out, "wb") as f:
        for ep in range(12):
            for views, _ in dl:
                for v in views: f.write(v.numpy().astype(np.float32).tobytes())
    sys.exit(0)
src, seed, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
torch.manual_seed(seed)
bb = lightly_knn.backbone(0.25)
init = sys.argv[5] if len(sys.argv) > 5 else None
if init:
    from safetensors.torch import load_file
    import re
    def lightly_key(k):
        if k.startswith("conv1."): return "0." + k[6:]
        if k.startswith("bn1."): return "1." + k[4:]
        m = re.match(r"layer(\d)\.(\d)\.(.*)", k); return f"{3 + (int(m[1]) - 1) * 2 + int(m[2])}.{m[3]}"
    def load(module, path, key=lambda k: k):
        own = module.state_dict()
        new = {key(k): v for k, v in load_file(path).items()}
        module.load_state_dict({k: new[k].to(own[k].dtype).reshape(own[k].shape) for k in own})
    load(bb, init + "-backbone.safetensors", lightly_key)
res = {"random_init": lightly_knn.knn(bb, TR, TE)}
tf, heads, step = lightly_knn.byol(bb, 128)  # the target backbone is a copy of bb as loaded
if init:
    load(heads[0], init + "-projection.safetensors"); load(heads[1], init + "-prediction.safetensors")
    cells = dict(zip(step.__code__.co_freevars, (c.cell_contents for c in step.__closure__)))
    cells["proj_m"].load_state_dict(heads[0].state_dict())  # the target projection: a copy of the loaded one
params = list({id(p): p for m in [bb, *heads] for p in m.parameters()}.values())
opt = torch.optim.SGD(params, lr=0.03, momentum=0.9, weight_decay=5e-4)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 468)
data = np.memmap(src, dtype=np.float32, mode="r")
losses, t0 = [], time.time()
for t in range(468):
    x0 = torch.from_numpy(np.array(data[(2 * t) * per:(2 * t + 1) * per])).reshape(128, 3, 32, 32)
    x1 = torch.from_numpy(np.array(data[(2 * t + 1) * per:(2 * t + 2) * per])).reshape(128, 3, 32, 32)
    loss = step([x0, x1], t // 39)
    opt.zero_grad(); loss.backward(); opt.step(); sched.step(); losses.append(loss.item())
    if (t + 1) % 39 == 0: print(f"epoch {(t + 1) // 39} loss {np.mean(losses[-39:]):.4f} {time.time() - t0:.0f}s", flush=True)
res["epoch_loss"] = [float(np.mean(losses[i:i + 39])) for i in range(0, 468, 39)]
res["losses"] = losses
res["pretrained"] = lightly_knn.knn(bb, TR, TE)
print(res["random_init"], res["pretrained"], flush=True)
json.dump(res, open(out, "w"))
