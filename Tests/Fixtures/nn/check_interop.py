"""Interoperability with PyTorch (issue #7), run by Tests/PretextNNTests/InteropTests.swift:

    python check_interop.py DIR

DIR holds, written by Pretext: pretext_resnet18.safetensors and pretext_vit_s.safetensors (state dicts),
inputs.safetensors ("resnet18": images [2, 3, 64, 64], "vit_s": images [2, 3, 32, 32]) and
pretext_features.safetensors (Pretext's eval-mode features of those images). This script
1. loads the Pretext weights with strict=True into torchvision.models.resnet18() (fc replaced by Identity)
   and timm.create_model("vit_small_patch16_224", num_classes=0, img_size=32), and checks that the
   features on the same images agree (1e-4 relative to the largest value);
2. writes torch_resnet18.safetensors (torchvision's own init, BN statistics from one train-mode pass,
   *including* the fc layer) and torch_vit_s.safetensors (timm's init), plus torch_features.safetensors,
   for the Swift side to load ("weights saved by PyTorch load into Pretext").
Prints one JSON line with the errors; exits 1 on a mismatch.
"""
import json, os, sys

import torch, torch.nn as nn, torchvision, timm
from safetensors.torch import load_file, save_file

d = sys.argv[1]
torch.manual_seed(0)
torch.set_num_threads(2)
inputs = load_file(os.path.join(d, "inputs.safetensors"))
mine = load_file(os.path.join(d, "pretext_features.safetensors"))


def build():
    r = torchvision.models.resnet18()
    r.fc = nn.Identity()
    v = timm.create_model("vit_small_patch16_224", pretrained=False, num_classes=0, img_size=32)
    return r, v


def rel_err(a, b):
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


r, v = build()
r.load_state_dict(load_file(os.path.join(d, "pretext_resnet18.safetensors")), strict=True)
v.load_state_dict(load_file(os.path.join(d, "pretext_vit_s.safetensors")), strict=True)
r.eval(); v.eval()
with torch.no_grad():
    errs = {"resnet18": rel_err(mine["resnet18"], r(inputs["resnet18"])),
            "vit_s": rel_err(mine["vit_s"], v(inputs["vit_s"]))}

# PyTorch-made weights for the other direction.
r2 = torchvision.models.resnet18()
r2.train()
with torch.no_grad():
    r2(inputs["resnet18"] * 2)          # non-trivial running statistics
r2.eval()
v2 = timm.create_model("vit_small_patch16_224", pretrained=False, num_classes=0, img_size=32).eval()
with torch.no_grad():
    fc = r2.fc; r2.fc = nn.Identity(); f_r = r2(inputs["resnet18"]); r2.fc = fc
    f_v = v2(inputs["vit_s"])
save_file(r2.state_dict(), os.path.join(d, "torch_resnet18.safetensors"))
save_file(v2.state_dict(), os.path.join(d, "torch_vit_s.safetensors"))
save_file({"resnet18": f_r.contiguous(), "vit_s": f_v.contiguous()}, os.path.join(d, "torch_features.safetensors"))
print(json.dumps(errs))
sys.exit(0 if max(errs.values()) <= 1e-4 else 1)
