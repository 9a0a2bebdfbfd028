"""Reference values for SimMIM's parts (Xie et al. 2022, arXiv:2111.09886) and the masked ViT forward it shares
with iBOT, from Lightly 1.6 + timm + PyTorch. Writes Tests/Fixtures/kit/simmim.json.

    $PEER/bin/python Tests/Fixtures/make_simmim_fixture.py     # PEER: venv with torch, timm, lightly==1.6.0

A tiny timm ViT (16 px, patch 4: a 4x4 grid, width 16, depth 2, 2 heads) wrapped in Lightly's
MaskedVisionTransformerTIMM (MAE weight init, fixed sine-cosine position embedding), its mask token set to random
values so that its effect shows. Exported: every weight (state_dict: vit.* and mask_token), the images, the masked
patch indices (Lightly's random_grid_token_mask(mask_ratio=0.6, grid_size=2) minus 1 for the class token), and
- masked_encode: backbone.encode(images, idx_mask=idx_mask) (all tokens after the final norm), the same with the
  boolean mask= form, and the gradients of sum(tokens * upstream) for every parameter (mask_token included);
- simmim: as Lightly's SimMIM benchmark, decoder = nn.Linear(16, 4*4*3) on the masked tokens, target =
  patchify(images, 4)[idx_mask - 1], nn.L1Loss(); prediction, target, loss and every parameter's gradient;
- step: one AdamW step (lr 1e-3, betas (0.9, 0.999), weight decay 0.05 on every parameter) on that loss, then the
  loss of the same images and mask again.
"""
import json, os
import torch
import torch.nn as nn
from timm.models.vision_transformer import VisionTransformer
from lightly.models import utils
from lightly.models.modules import MaskedVisionTransformerTIMM

torch.manual_seed(7)
out = {"generator": "Tests/Fixtures/make_simmim_fixture.py", "lightly": __import__("lightly").__version__,
       "vit": {"image_size": 16, "patch_size": 4, "dim": 16, "depth": 2, "heads": 2}}

vit = VisionTransformer(img_size=16, patch_size=4, embed_dim=16, depth=2, num_heads=2, num_classes=0)
backbone = MaskedVisionTransformerTIMM(vit=vit)
with torch.no_grad():
    backbone.mask_token.normal_(0, 0.5)
decoder = nn.Linear(16, 48)


def tensor(t):
    """Shape and float32 values (9 significant digits: exact for float32)."""
    return {"shape": list(t.shape), "values": [float(f"{v:.9g}") for v in t.detach().flatten().tolist()]}


def grads(*modules):
    return {k: tensor(p.grad) for m, prefix in modules for k0, p in m.named_parameters() if p.grad is not None
            for k in [prefix + k0]}


out["weights"] = {k: tensor(v) for k, v in backbone.state_dict().items()}
out["decoder"] = {k: tensor(v) for k, v in decoder.state_dict().items()}
out["trainable"] = sorted(k for k, p in backbone.named_parameters() if p.requires_grad)

b, seq = 3, 17
images = torch.randn(b, 3, 16, 16)
_, idx_mask = utils.random_grid_token_mask(size=(b, seq), mask_ratio=0.6, grid_size=2)
out["images"] = tensor(images)
out["masked"] = (idx_mask - 1).tolist()

# Masked encode, index and boolean forms; gradients of sum(tokens * upstream).
tokens = backbone.encode(images=images, idx_mask=idx_mask)
bool_mask = torch.zeros(b, seq, dtype=torch.bool)
bool_mask.scatter_(1, idx_mask, True)
tokens_bool = backbone.encode(images=images, mask=bool_mask)
assert torch.allclose(tokens, tokens_bool)
upstream = torch.randn(tokens.shape)
(tokens * upstream).sum().backward()
out["masked_encode"] = {"tokens": tensor(tokens), "upstream": tensor(upstream), "grads": grads((backbone, ""))}
plain = backbone.encode(images=images)
out["masked_encode"]["unmasked_tokens"] = tensor(plain)
backbone.zero_grad()


def simmim_loss():
    encoded = backbone.encode(images=images, idx_mask=idx_mask)
    pred = decoder(utils.get_at_index(encoded, idx_mask))
    target = utils.get_at_index(utils.patchify(images, 4), idx_mask - 1)
    return pred, target, nn.L1Loss()(pred, target)


pred, target, loss = simmim_loss()
loss.backward()
out["simmim"] = {"prediction": tensor(pred), "target": tensor(target), "loss": loss.item(),
                 "grads": grads((backbone, ""), (decoder, "decoder."))}

params = [p for p in list(backbone.parameters()) + list(decoder.parameters()) if p.requires_grad]
opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05)
opt.step()
opt.zero_grad()
_, _, loss2 = simmim_loss()
out["step"] = {"lr": 1e-3, "weight_decay": 0.05, "loss_after": loss2.item()}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kit", "simmim.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", path, "loss", loss.item(), "after one step", loss2.item())
