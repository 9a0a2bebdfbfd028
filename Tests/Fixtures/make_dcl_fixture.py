"""Reference values for the decoupled contrastive losses (DCL, DCLW) from Lightly 1.6 + PyTorch: values and
gradients of DCLLoss and DCLWLoss for the default temperature/sigma and others. Writes
Tests/Fixtures/kit/dcl.json.

    $PEER/bin/python Tests/Fixtures/make_dcl_fixture.py     # PEER: venv with torch, lightly==1.6.0
"""
import json, os
import torch
from lightly.loss import DCLLoss, DCLWLoss

out = {"generator": "Tests/Fixtures/make_dcl_fixture.py", "lightly": __import__("lightly").__version__}
g = torch.Generator().manual_seed(23)


def case(loss_fn, n, d, **extra):
    z0 = torch.randn(n, d, generator=g, dtype=torch.float64).float().requires_grad_()
    z1 = (z0.detach() * 0.6 + 0.8 * torch.randn(n, d, generator=g, dtype=torch.float64).float()).requires_grad_()
    loss = loss_fn(z0, z1)
    loss.backward()
    return dict(extra, z0=z0.detach().tolist(), z1=z1.detach().tolist(), loss=loss.item(),
                grad_z0=z0.grad.tolist(), grad_z1=z1.grad.tolist())


out["dcl"] = [case(DCLLoss(), 8, 6, temperature=0.1), case(DCLLoss(temperature=0.5), 5, 4, temperature=0.5)]
out["dclw"] = [case(DCLWLoss(), 8, 6, temperature=0.1, sigma=0.5),
               case(DCLWLoss(temperature=0.3, sigma=0.2), 5, 4, temperature=0.3, sigma=0.2)]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kit", "dcl.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
