"""Writes the PyTorch references of Tests/PretextNNTests (nn_fixtures.json, torch_tiny_vit.safetensors,
torch_dtypes.safetensors).

Run (PyTorch, torchvision, timm 1.0, Lightly 1.6 and safetensors in a venv outside the repo):
    $PEER/bin/python Tests/Fixtures/nn/make_nn_fixtures.py

Networks are built with torchvision / timm / Lightly; their weights are then overwritten by a formula
(`formula_value`) that the Swift tests reproduce bit for bit (Tests/PretextNNTests/TestSupport.swift, `Formula`),
so no weight files are needed: value i (flat index within the tensor) of tensor `key` starts from
    b = splitmix64(i + seed(key)·2^32) >> 40, mapped to [-1, 1) on a 2^-23 grid   (`hash_uniform`)
with seed(key) = sum over characters c at position j of ord(c)·(j+1), then is scaled by the kind of tensor:
running_var 1 + 0.25 b; running_mean 0.1 b; 1-D "weight" (norms) 1 + 0.1 b; other 1-D (biases) 0.1 b;
weight_g 1 + 0.1 b; cls_token / pos_embed 0.1 b; num_batches_tracked 0; everything else (conv and linear
weights) b·√3/√fan_in with fan_in = numel / shape[0] (std 1/√fan_in). Inputs: x[j] = sin(0.37 j) + 0.3 cos(1.3 j)
over the flat index j. Outputs are compared in evaluation mode unless a case says otherwise; values are
stored with 8 significant digits.

Also written: torch_tiny_vit.safetensors (a small timm ViT with timm's own random init, saved by
safetensors.torch.save_file, and its output on the formula input) and torch_dtypes.safetensors (F32, F16,
BF16, F64, I64 and a scalar), both read by SafeTensorsTests.
"""
import json, math, os, sys

import numpy as np
import torch, torch.nn as nn, torchvision, timm
from timm.layers.pos_embed import resample_abs_pos_embed
from lightly.models.modules import (BYOLPredictionHead, BYOLProjectionHead, DINOProjectionHead,
                                    SimSiamPredictionHead, SimSiamProjectionHead,
                                    MoCoProjectionHead, SimCLRProjectionHead)
from lightly.models.modules import MaskedVisionTransformerTIMM
from lightly.utils.lars import LARS
import safetensors.torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("PEER_SCRIPTS", "/work/shared/peer"))   # lightly_knn.py, the fidelity recipe
torch.set_num_threads(2)
torch.manual_seed(0)


M64 = (1 << 64) - 1


def key_seed(key):
    return sum(ord(c) * (j + 1) for j, c in enumerate(key))


def hash_uniform(key, n):
    """splitmix64 of (i + key_seed·2^32) → uniform in [-1, 1) on a 2^-23 grid (exact in float32)."""
    with np.errstate(over="ignore"):
        z = np.arange(n, dtype=np.uint64) + np.uint64((key_seed(key) << 32) & M64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / float(1 << 23) - 1.0


def formula_value(key, shape):
    n = int(np.prod(shape)) if len(shape) else 1
    b = hash_uniform(key, n)
    last = key.split(".")[-1]
    if last == "num_batches_tracked":
        v = np.zeros(n)
    elif last == "running_var":
        v = 1 + 0.25 * b
    elif last == "running_mean":
        v = 0.1 * b
    elif last == "weight_g":
        v = 1 + 0.1 * b
    elif last in ("cls_token", "pos_embed"):
        v = 0.1 * b
    elif len(shape) == 1 and last == "weight":
        v = 1 + 0.1 * b
    elif len(shape) <= 1:
        v = 0.1 * b
    else:
        v = b * WEIGHT_SCALE / math.sqrt(n / shape[0])
    return v.astype(np.float32).reshape(shape)


WEIGHT_SCALE = float(os.environ.get("WEIGHT_SCALE", "1.7320508075688772"))   # √3: std 1/√fan_in


def fill(model):
    sd = model.state_dict()
    with torch.no_grad():
        for k, t in sd.items():
            t.copy_(torch.from_numpy(formula_value(k, tuple(t.shape))).to(t.dtype))
    return model


def formula_input(shape):
    j = np.arange(int(np.prod(shape)), dtype=np.float64)
    return torch.from_numpy((np.sin(0.37 * j) + 0.3 * np.cos(1.3 * j)).astype(np.float32).reshape(shape))


def flat(t):
    return [float("%.8g" % v) for v in t.detach().float().reshape(-1).tolist()]


def arr(t):
    return {"shape": list(t.shape), "data": flat(t)}


def keys_of(model):
    return [[k, list(v.shape)] for k, v in model.state_dict().items()]


def n_params(model):
    return sum(p.numel() for p in model.parameters())


out = {"models": {}, "heads": {}, "optimizers": {}, "pos_embed": {}, "mae": {}, "misc": {}}


# ---------------------------------------------------------------- ResNets (torchvision)
class WidthBlock(nn.Module):
    """torchvision BasicBlock with free channel counts (lightly_knn.py's Block, torchvision key names)."""
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x))); y = self.bn2(self.conv2(y))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class WidthResNet18(nn.Module):
    """lightly_knn.backbone(width) with torchvision's key names (conv1, bn1, layer1..4)."""
    def __init__(self, width):
        super().__init__()
        c = [max(8, int(round(64 * width * 2 ** i))) for i in range(4)]
        self.conv1 = nn.Conv2d(3, c[0], 3, 1, 1, bias=False); self.bn1 = nn.BatchNorm2d(c[0])
        cin, layers = c[0], []
        for i, cout in enumerate(c):
            layers.append(nn.Sequential(WidthBlock(cin, cout, 1 if i == 0 else 2), WidthBlock(cout, cout, 1))); cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = layers

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return x.mean((2, 3))


def tv_resnet(name, cifar):
    m = getattr(torchvision.models, name)()
    m.fc = nn.Identity()
    if cifar:
        m.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False); m.maxpool = nn.Identity()
    return m


def model_case(name, model, input_shape, forward=True, extra=None):
    model.eval()
    c = {"keys": keys_of(model), "parameters": n_params(model)}
    if forward:
        fill(model)
        x = formula_input(input_shape)
        with torch.no_grad():
            y = model(x)
        c["input_shape"] = list(input_shape)
        c["output"] = arr(y)
    if extra:
        c.update(extra)
    out["models"][name] = c
    return model


model_case("resnet18", tv_resnet("resnet18", False), (2, 3, 32, 32))
model_case("resnet18_cifar", tv_resnet("resnet18", True), (2, 3, 16, 16))
w25 = model_case("resnet18_cifar_w0.25", WidthResNet18(0.25), (2, 3, 32, 32))
model_case("resnet34", tv_resnet("resnet34", False), None, forward=False)
model_case("resnet50", tv_resnet("resnet50", False), (1, 3, 32, 32))

# The width-0.25 model above is the shared fidelity recipe's network: check against lightly_knn.backbone.
import lightly_knn
ref = lightly_knn.backbone(0.25).eval()
ref.load_state_dict(dict(zip(ref.state_dict().keys(), w25.state_dict().values())), strict=True)
with torch.no_grad():
    x = formula_input((2, 3, 32, 32))
    assert torch.allclose(ref(x), w25(x), atol=1e-6), "key-mapped width-0.25 ResNet differs from lightly_knn.backbone"
assert [tuple(v.shape) for v in ref.state_dict().values()] == [tuple(v.shape) for v in w25.state_dict().values()]
out["misc"]["resnet18_cifar_w0.25_matches_lightly_knn"] = True


# ---------------------------------------------------------------- ViTs (timm)
def vit(dim, depth, heads, patch, img):
    return timm.models.vision_transformer.VisionTransformer(
        img_size=img, patch_size=patch, embed_dim=dim, depth=depth, num_heads=heads, num_classes=0,
        dynamic_img_size=True)


model_case("vit_s16_224", timm.create_model("vit_small_patch16_224", pretrained=False, num_classes=0), None, forward=False)
model_case("vit_t16_224", timm.create_model("vit_tiny_patch16_224", pretrained=False, num_classes=0), None, forward=False)
model_case("vit_b16_224", timm.create_model("vit_base_patch16_224", pretrained=False, num_classes=0), None, forward=False)
model_case("vit_s8_32", vit(384, 12, 6, 8, 32), (2, 3, 32, 32))
vt4 = model_case("vit_t4_32", vit(192, 12, 3, 4, 32), (2, 3, 32, 32))
# Other input sizes: position embedding resampled by timm (bicubic, antialias) — 16 px (8x8 -> 4x4 grid,
# DINO local crops) and 40 px (10x10).
for size in (16, 40):
    with torch.no_grad():
        y = vt4(formula_input((2, 3, size, size)))
    out["models"]["vit_t4_32"][f"output_{size}"] = arr(y)
# All tokens (forward_features), every 8th token kept to keep the file small.
with torch.no_grad():
    out["models"]["vit_t4_32"]["tokens_every8"] = arr(vt4.forward_features(formula_input((2, 3, 32, 32)))[:, ::8])

# Position-embedding resampling on its own.
pe = torch.from_numpy(formula_value("pos_embed", (1, 17, 8)))
for new in [(3, 3), (6, 6), (5, 7), (2, 8)]:
    r = resample_abs_pos_embed(pe, new_size=list(new), old_size=[4, 4], num_prefix_tokens=1)
    out["pos_embed"][f"{new[0]}x{new[1]}"] = {"new": list(new), "output": arr(r)}
out["pos_embed"]["input"] = arr(pe)

# MAE encoder: Lightly's MaskedVisionTransformerTIMM over the same ViT-T/4, subset of patches.
mae = MaskedVisionTransformerTIMM(vit=vt4, weight_initialization="skip", pos_embed_initialization="skip").eval()
keep = [[5, 0, 63, 17, 40, 2], [1, 2, 3, 60, 33, 8]]
idx_keep = torch.tensor([[0] + [p + 1 for p in k] for k in keep])
with torch.no_grad():
    enc = mae.encode(formula_input((2, 3, 32, 32)), idx_keep=idx_keep)
out["mae"] = {"keep": keep, "output": arr(enc)}
from lightly.models import utils as lutils
out["mae"]["patchify"] = arr(lutils.patchify(formula_input((2, 3, 8, 8)), 4))
out["mae"]["sincos"] = arr(torch.from_numpy(lutils.get_2d_sine_cosine_positional_embedding(16, 4, cls_token=True)).float())


# ---------------------------------------------------------------- Heads (Lightly)
def head_case(name, head, in_dim, train=False):
    fill(head)
    x = formula_input((4, in_dim))
    c = {"keys": keys_of(head), "input_shape": [4, in_dim]}
    head.eval()
    with torch.no_grad():
        c["output_eval"] = arr(head(x))
    if train:
        head.train()
        with torch.no_grad():
            c["output_train"] = arr(head(x))
        c["state_after_train"] = {k: arr(v) for k, v in head.state_dict().items() if "running" in k or "num_batches" in k}
    out["heads"][name] = c


head_case("simclr", SimCLRProjectionHead(16, 32, 8), 16, train=True)
head_case("simclr_3layers", SimCLRProjectionHead(16, 32, 8, num_layers=3), 16, train=True)
head_case("moco_v2", MoCoProjectionHead(16, 32, 8), 16)
head_case("byol_projection", BYOLProjectionHead(16, 32, 8), 16, train=True)
head_case("byol_prediction", BYOLPredictionHead(8, 32, 8), 8, train=True)
head_case("simsiam_projection", SimSiamProjectionHead(16, 32, 8), 16, train=True)
head_case("simsiam_prediction", SimSiamPredictionHead(8, 4, 8), 8, train=True)
head_case("dino", DINOProjectionHead(16, 32, 8, 20), 16)
head_case("dino_bn", DINOProjectionHead(16, 32, 8, 20, batch_norm=True), 16, train=True)
# Gradient through the weight-normalised last layer (weight_g frozen): d/dv of sum(out * x_out).
dh = DINOProjectionHead(16, 32, 8, 20); fill(dh); dh.eval()
y = dh(formula_input((4, 16)))
(y * formula_input(tuple(y.shape))).sum().backward()
out["heads"]["dino"]["grad_weight_v"] = arr(dh.last_layer.weight_v.grad)
out["heads"]["dino"]["grad_layers_0_weight"] = arr(dh.layers[0].weight.grad)
out["heads"]["dino"]["weight_g_requires_grad"] = dh.last_layer.weight_g.requires_grad


# ---------------------------------------------------------------- Optimizers
def problem():
    W = nn.Parameter(torch.from_numpy(formula_value("W", (3, 4))))
    b = nn.Parameter(torch.from_numpy(formula_value("b", (3,))))
    X, Y = formula_input((5, 4)), formula_input((5, 3)).flip(0) * 0.5
    return W, b, X, Y


def loss_fn(W, b, X, Y):
    return ((X @ W.T + b - Y) ** 2).mean()


def opt_case(name, make, lrs):
    W, b, X, Y = problem()
    opt = make([{"params": [W], "weight_decay": None}, {"params": [b], "weight_decay": 0.0}])
    traj = []
    for lr in lrs:
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad()
        loss_fn(W, b, X, Y).backward()
        opt.step()
        traj.append({"W": flat(W), "b": flat(b)})
    state = {}
    for pname, p in (("W", W), ("b", b)):
        for k, v in opt.state[p].items():
            state[f"{pname}.{k}"] = flat(v) if torch.is_tensor(v) else [float(v)]
    out["optimizers"][name] = {"lrs": lrs, "trajectory": traj, "state": state}


def groups_with(wd, groups_):
    for g in groups_:
        if g["weight_decay"] is None:
            g["weight_decay"] = wd
    return groups_


lrs = [0.1, 0.09, 0.08, 0.07, 0.06]
opt_case("sgd_momentum", lambda gs: torch.optim.SGD(groups_with(0.01, gs), lr=0.1, momentum=0.9), lrs)
opt_case("sgd_nesterov", lambda gs: torch.optim.SGD(groups_with(0.01, gs), lr=0.1, momentum=0.9, nesterov=True), lrs)
opt_case("sgd_dampening", lambda gs: torch.optim.SGD(groups_with(0.0, gs), lr=0.1, momentum=0.9, dampening=0.1), lrs)
opt_case("sgd_plain", lambda gs: torch.optim.SGD(groups_with(0.01, gs), lr=0.1), lrs)
opt_case("adamw", lambda gs: torch.optim.AdamW(groups_with(0.05, gs), lr=0.01, foreach=False), [0.01, 0.02, 0.03, 0.02, 0.01])
opt_case("adamw_mae", lambda gs: torch.optim.AdamW(groups_with(0.04, gs), lr=0.01, betas=(0.9, 0.95), foreach=False),
         [0.01, 0.02, 0.03, 0.02, 0.01])
opt_case("lars", lambda gs: LARS(groups_with(0.01, gs), lr=1.0, momentum=0.9), [5.0, 4.0, 3.0, 2.0, 1.0])
opt_case("lars_nesterov", lambda gs: LARS(groups_with(0.1, gs), lr=1.0, momentum=0.9, nesterov=True), [5.0, 4.0, 3.0, 2.0, 1.0])

# Gradient clipping by global norm.
W, b, X, Y = problem()
loss_fn(W, b, X, Y).backward()
gW, gb = W.grad.clone(), b.grad.clone()
total = torch.nn.utils.clip_grad_norm_([W, b], max_norm=0.5)
out["optimizers"]["clip"] = {"max_norm": 0.5, "norm": float(total), "grad_W_before": flat(gW), "grad_b_before": flat(gb),
                              "grad_W": flat(W.grad), "grad_b": flat(b.grad)}


# ---------------------------------------------------------------- safetensors written by Python
tiny = vit(32, 2, 2, 4, 16).eval()   # PyTorch/timm's own random init
with torch.no_grad():
    tiny_out = tiny(formula_input((2, 3, 16, 16)))
safetensors.torch.save_file(tiny.state_dict(), os.path.join(HERE, "torch_tiny_vit.safetensors"),
                            metadata={"source": "timm VisionTransformer(img 16, patch 4, dim 32, depth 2, heads 2)"})
out["misc"]["torch_tiny_vit"] = {"input_shape": [2, 3, 16, 16], "output": arr(tiny_out)}

dt = {"f32": np.array([[1.5, -2.25], [3.0, 1e-8]], np.float32),
      "f16": np.array([0.5, -1.0, 65504.0, 6e-8, 1e-4, -0.0], np.float16),
      "f64": np.array([[1.0 / 3.0, -2.5e10, 7.0]], np.float64),
      "i64": np.array([3, -7, 123456], np.int64),
      "scalar": np.array(42.0, np.float32)}
bf = torch.tensor([1.0, -3.140625, 0.0078125, 1e20], dtype=torch.bfloat16)
path = os.path.join(HERE, "torch_dtypes.safetensors")
safetensors.torch.save_file({**{k: torch.from_numpy(v) for k, v in dt.items()}, "bf16": bf}, path,
                            metadata={"format": "pt", "note": "dtype test"})
out["misc"]["dtypes"] = {**{k: {"shape": list(v.shape), "data": [float(x) for x in v.astype(np.float64).reshape(-1)]}
                            for k, v in dt.items()},
                         "bf16": {"shape": [4], "data": [float(x) for x in bf.float().tolist()]}}

with open(os.path.join(HERE, "nn_fixtures.json"), "w") as f:
    json.dump(out, f, separators=(",", ":"))
print("wrote", os.path.join(HERE, "nn_fixtures.json"), os.path.getsize(os.path.join(HERE, "nn_fixtures.json")), "bytes")
