"""Lightly's SimMIM step on batches and masks from a file (issue #18's SimMIM swap runs; README.md here).

    $PEER/bin/python Tests/Fixtures/simmim_swap/lightly_on_batches.py BATCHES SEED OUT.json [--init PRETEXT.safetensors]
        [--threads N]

BATCHES: the prefix of BATCHES.views (raw f32 [468, 128, 3, 32, 32]) and BATCHES.masks (raw int32 [468, 128, 40], masked
patch indices), e.g. from dump_pretext_batches.swift. The model is lightly_extra_methods.simmim on lightly_knn.vit_t4
built from torch.manual_seed(SEED) as lightly_knn.main builds it (MaskedVisionTransformerTIMM's initialisation, the
nn.Linear decoder), or with --init the encoder replaced by an export of Pretext's initial weights (and with --heads
the decoder and mask token by a Pretext checkpoint's, e.g. checkpoints/last/model.safetensors of a run with lr 1e-30:
with --init and --heads of seed S and dump_pretext_batches' file of seed S, the first losses equal that Pretext run's
per-step losses to 1e-6 — checked for the first 10 steps at seed 0); AdamW lr 1e-3,
betas (0.9, 0.999), weight decay 0.05 on every parameter, LambdaLR: 5 warm-up epochs then cosine, per step, as
lightly_knn.main. Each step: loss = L1(decoder(encoded masked tokens), patchify(x)[masked]) with the file's masks.
Writes per-step and per-epoch losses and lightly_knn.knn before and after training.
"""
import argparse, json, os, sys, time
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.argv_saved, sys.argv = sys.argv, sys.argv[:1]
import lightly_extra_methods  # noqa: E402  (registers simmim; reads no options from this argv)
import lightly_knn  # noqa: E402
import lightly_resumable  # noqa: E402  (lightly_knn.main()'s optimiser and schedule)
from lightly.models import utils  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("batches"); ap.add_argument("seed", type=int); ap.add_argument("out")
ap.add_argument("--init"); ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--heads", help="a Pretext checkpoint's model.safetensors: its decoder and mask token replace Lightly's")
a = ap.parse_args(sys.argv_saved[1:])
TR = os.environ.get("CIFAR_TRAIN", os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "cifar10", "train"))
TE = os.environ.get("CIFAR_TEST", os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "cifar10", "test"))
torch.manual_seed(a.seed); torch.set_num_threads(a.threads)
bb = lightly_knn.vit_t4()
res = {"batches": a.batches, "seed": a.seed, "init": a.init}
_, (enc, dec), _ = lightly_knn.METHODS["simmim"](bb, 192)
if a.init:
    from safetensors.torch import load_file
    missing, unexpected = bb.load_state_dict(load_file(a.init), strict=False)
    assert not missing and not unexpected, (missing, unexpected)
if a.heads:
    from safetensors.torch import load_file
    ck = load_file(a.heads)
    dec.weight.data.copy_(ck["decoder.weight"].reshape(dec.weight.shape)); dec.bias.data.copy_(ck["decoder.bias"])
    enc.mask_token.data.copy_(ck["mask_token.mask_token"].reshape(enc.mask_token.shape))
res["initial"] = lightly_knn.knn(bb, TR, TE)
print("initial", res["initial"], flush=True)
params = list({id(p): p for m in [bb, enc, dec] for p in m.parameters()}.values())
total = 12 * 39
opt, sched = lightly_resumable.optimizer_and_schedule("simmim", "adamw", params, 1e-3, 0.05, 5, 39, 12)
views = np.memmap(a.batches + ".views", dtype=np.float32, mode="r").reshape(total, 128, 3, 32, 32)
masks = np.memmap(a.batches + ".masks", dtype=np.int32, mode="r").reshape(total, 128, -1)
crit, losses, t0 = torch.nn.L1Loss(), [], time.time()
for t in range(total):
    x = torch.from_numpy(np.array(views[t]))
    idx_mask = torch.from_numpy(np.array(masks[t])).long() + 1   # token index: CLS first
    pred = dec(utils.get_at_index(enc.encode(images=x, idx_mask=idx_mask), idx_mask))
    loss = crit(pred, utils.get_at_index(utils.patchify(x, 4), idx_mask - 1))
    opt.zero_grad(); loss.backward(); opt.step(); sched.step(); losses.append(loss.item())
    if (t + 1) % 39 == 0:
        print(f"epoch {(t + 1) // 39} loss {np.mean(losses[-39:]):.4f} {time.time() - t0:.0f}s", flush=True)
res["epoch_loss"] = [float(np.mean(losses[i:i + 39])) for i in range(0, total, 39)]
res["losses"] = losses
res["pretrained"] = lightly_knn.knn(bb, TR, TE)
print("pretrained", res["pretrained"], flush=True)
json.dump(res, open(a.out, "w"))
