"""Reference values for the kit's momentum-method parts, from Lightly 1.6 + PyTorch:
cosine_schedule (momentum schedules), NegativeCosineSimilarity (value and gradients) and
std_of_l2_normalized (the collapse metric). Writes Tests/Fixtures/kit/momentum_kit.json.

    $PEER/bin/python Tests/Fixtures/make_momentum_kit_fixture.py     # PEER: venv with torch, lightly==1.6.0
"""
import json, os
import torch
from lightly.loss import NegativeCosineSimilarity
from lightly.utils.debug import std_of_l2_normalized
from lightly.utils.scheduler import cosine_schedule

out = {"generator": "Tests/Fixtures/make_momentum_kit_fixture.py", "lightly": __import__("lightly").__version__}
out["cosine_schedule"] = [
    {"step": s, "max_steps": m, "start": a, "end": b, "value": cosine_schedule(s, m, a, b)}
    for (m, a, b) in [(10, 0.99, 1.0), (7, 0.996, 1.0), (1, 0.9, 1.0), (2, 0.5, 0.7)]
    for s in range(m)
]
g = torch.Generator().manual_seed(7)
x0 = torch.randn(5, 6, generator=g, dtype=torch.float64).float().requires_grad_()
x1 = torch.randn(5, 6, generator=g, dtype=torch.float64).float().requires_grad_()
loss = NegativeCosineSimilarity()(x0, x1)
loss.backward()
out["negative_cosine_similarity"] = {"x0": x0.detach().tolist(), "x1": x1.detach().tolist(), "loss": loss.item(),
                                     "grad_x0": x0.grad.tolist(), "grad_x1": x1.grad.tolist()}
z = torch.randn(8, 4, generator=g, dtype=torch.float64).float()
out["std_of_l2_normalized"] = {"z": z.tolist(), "value": std_of_l2_normalized(z).item(),
                               "collapsed": std_of_l2_normalized(torch.ones(8, 4)).item()}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kit", "momentum_kit.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
