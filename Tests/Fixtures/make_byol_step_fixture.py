"""Three BYOL training steps with Lightly 1.6 + PyTorch on fixed weights and a fixed batch, to check
Pretext's whole BYOL step (online + EMA target, heads, symmetric loss, backward, SGD) against Lightly's.

The network is lightly_knn.py's ResNet-18 (CIFAR stem) at width 0.125 (8-16-32-64 channels) with
BYOLProjectionHead(64, 48, 24) and BYOLPredictionHead(24, 48, 24); the step is lightly_knn.byol's:
update_momentum(0.99) of backbone and projection before each step, 0.5 * (NegCos(p0, z1) + NegCos(p1, z0)),
SGD lr 0.03, momentum 0.9, weight decay 5e-4 on backbone + projection + prediction. Writes
Tests/Fixtures/kit/byol_steps.safetensors: the initial online weights under Pretext's keys, the two views
(8 x 3 x 16 x 16), the loss of each step k (`loss.k`), and after the last step every online tensor and six
of the EMA targets' (`final.<key>`).

    $PEER/bin/python Tests/Fixtures/make_byol_step_fixture.py     # PEER: venv with torch, lightly==1.6.0
"""
import os, sys
import torch
from safetensors.torch import save_file
from lightly.loss import NegativeCosineSimilarity
from lightly.models.modules import BYOLPredictionHead, BYOLProjectionHead
from lightly.models.utils import deactivate_requires_grad, update_momentum

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "peer"))
import lightly_knn  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "byol_swap"))
from knn_eval import pretext_key  # noqa: E402

torch.manual_seed(3)
bb = lightly_knn.backbone(0.125)
proj, pred = BYOLProjectionHead(64, 48, 24), BYOLPredictionHead(24, 48, 24)
for m in (proj, pred):  # non-trivial batch-norm affine parameters
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm1d):
            mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.2, 0.2)
bb_m, proj_m = lightly_knn.momentum_copy(bb, proj)


pretext_backbone_key = pretext_key  # lightly_knn's Sequential indices → torchvision / Pretext names


def state(prefix_bb, prefix_proj, prefix_pred, b, p, q):
    out = {}
    for k, v in b.state_dict().items():
        out[f"{prefix_bb}.{pretext_backbone_key(k)}"] = v.clone()
    for k, v in p.state_dict().items():
        out[f"{prefix_proj}.{k}"] = v.clone()
    if q is not None:
        for k, v in q.state_dict().items():
            out[f"{prefix_pred}.{k}"] = v.clone()
    return out


tensors = {f"init.{k}": v for k, v in state("backbone", "projection", "prediction", bb, proj, pred).items()}
g = torch.Generator().manual_seed(5)
x0, x1 = torch.randn(8, 3, 16, 16, generator=g), torch.randn(8, 3, 16, 16, generator=g)
tensors["x0"], tensors["x1"] = x0, x1

crit = NegativeCosineSimilarity()
params = list(bb.parameters()) + list(proj.parameters()) + list(pred.parameters())
opt = torch.optim.SGD(params, lr=0.03, momentum=0.9, weight_decay=5e-4)
for k in range(3):
    update_momentum(bb, bb_m, 0.99); update_momentum(proj, proj_m, 0.99)
    p0, p1 = (pred(proj(bb(x))) for x in (x0, x1))
    with torch.no_grad():
        z0, z1 = (proj_m(bb_m(x)) for x in (x0, x1))
    loss = 0.5 * (crit(p0, z1) + crit(p1, z0))
    opt.zero_grad(); loss.backward(); opt.step()
    tensors[f"loss.{k}"] = loss.detach().reshape(1)
final = state("backbone", "projection", "prediction", bb, proj, pred)
# The targets' EMA is checked on a few tensors (all of them would double the file).
targets = state("target_backbone", "target_projection", None, bb_m, proj_m, None)
for k in ["target_backbone.conv1.weight", "target_backbone.bn1.weight", "target_backbone.layer4.1.conv2.weight",
          "target_backbone.layer4.1.bn2.running_var", "target_projection.layers.0.weight", "target_projection.layers.3.bias"]:
    final[k] = targets[k]
for k, v in final.items():
    tensors[f"final.{k}"] = v
tensors = {k: (v.float() if v.dtype != torch.int64 else v) for k, v in tensors.items()}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kit", "byol_steps.safetensors")
save_file({k: v.contiguous() for k, v in tensors.items()}, path, metadata={"generator": "Tests/Fixtures/make_byol_step_fixture.py"})
print("wrote", path, "losses", [round(tensors[f"loss.{k}"].item(), 6) for k in range(3)])
