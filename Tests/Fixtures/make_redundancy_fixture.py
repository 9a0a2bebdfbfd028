"""Reference values for the redundancy-reduction losses and heads (Barlow Twins, VICReg), from
Lightly 1.6 + PyTorch: BarlowTwinsLoss and VICRegLoss (values and gradients, default and other
coefficients), and the BarlowTwins/VICReg projection heads (parameter names and shapes, and a
forward pass in training mode with their weights). Writes Tests/Fixtures/kit/redundancy.json.

    $PEER/bin/python Tests/Fixtures/make_redundancy_fixture.py     # PEER: venv with torch, lightly==1.6.0
"""
import json, os
import torch
from lightly.loss import BarlowTwinsLoss, VICRegLoss
from lightly.models.modules.heads import BarlowTwinsProjectionHead, VICRegProjectionHead

out = {"generator": "Tests/Fixtures/make_redundancy_fixture.py", "lightly": __import__("lightly").__version__}
g = torch.Generator().manual_seed(11)


def case(loss_fn, n, d, **extra):
    za = torch.randn(n, d, generator=g, dtype=torch.float64).float().requires_grad_()
    zb = (za.detach() * 0.7 + 0.5 * torch.randn(n, d, generator=g, dtype=torch.float64).float()).requires_grad_()
    loss = loss_fn(za, zb)
    loss.backward()
    return dict(extra, z_a=za.detach().tolist(), z_b=zb.detach().tolist(), loss=loss.item(),
                grad_z_a=za.grad.tolist(), grad_z_b=zb.grad.tolist())


out["barlow_twins"] = [case(BarlowTwinsLoss(), 8, 6, lambda_param=5e-3),
                       case(BarlowTwinsLoss(lambda_param=0.1), 5, 4, lambda_param=0.1)]
out["vicreg"] = [case(VICRegLoss(), 8, 6, lambda_param=25.0, mu_param=25.0, nu_param=1.0, eps=1e-4),
                 case(VICRegLoss(lambda_param=1.0, mu_param=2.0, nu_param=3.0, eps=1e-3), 5, 4,
                      lambda_param=1.0, mu_param=2.0, nu_param=3.0, eps=1e-3)]


def head_case(head, n, d_in):
    torch.manual_seed(3)
    for p in head.parameters():   # non-trivial BN affine parameters too
        torch.nn.init.uniform_(p, -0.5, 0.5)
    head.train()
    x = torch.randn(n, d_in, generator=g, dtype=torch.float64).float()
    y = head(x)
    params = [{"name": k, "shape": list(v.shape), "values": v.detach().flatten().tolist()}
              for k, v in head.state_dict().items() if not k.endswith("num_batches_tracked")]
    return {"x": x.tolist(), "y": y.detach().tolist(), "params": params}


out["barlow_twins_head"] = head_case(BarlowTwinsProjectionHead(6, 10, 8), 5, 6)
out["vicreg_head"] = head_case(VICRegProjectionHead(6, 10, 8, num_layers=3), 5, 6)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kit", "redundancy.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
