"""Reference values for SwaV's parts from Lightly 1.6 + PyTorch: the Sinkhorn-Knopp codes (`sinkhorn`), the
swapped-prediction loss (`SwaVLoss`: value and gradients w.r.t. every crop's prototype scores, for 2 high- and 2
low-resolution crops with and without a queue, and for 2 high-resolution crops alone), the projection head
(`SwaVProjectionHead`: parameter names and shapes, a training-mode forward), the prototypes (`SwaVPrototypes`:
normalise(), forward and gradients, frozen and not) and one whole step (head -> L2-normalise -> prototypes ->
loss, gradients of the prototypes and of the head). Writes Tests/Fixtures/kit/swav.json.

    $PEER/bin/python Tests/Fixtures/make_swav_fixture.py     # PEER: venv with torch, lightly==1.6.0
"""
import json, os
import torch
import torch.nn.functional as F
from lightly.loss.swav_loss import SwaVLoss, sinkhorn
from lightly.models.modules.heads import SwaVProjectionHead, SwaVPrototypes

out = {"generator": "Tests/Fixtures/make_swav_fixture.py", "lightly": __import__("lightly").__version__}
g = torch.Generator().manual_seed(47)


def randn(*shape, scale=1.0):
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).float()


def params_of(module):
    return [{"name": k, "shape": list(v.shape), "values": v.detach().flatten().tolist()}
            for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked")]


# Sinkhorn-Knopp on scores of 6 samples x 5 prototypes (cosine-like range), 3 iterations, epsilon 0.05;
# and with other settings, so that a hard-wired iteration count or epsilon is caught.
scores = randn(6, 5, scale=0.4)
out["sinkhorn"] = {"scores": scores.tolist(), "q": sinkhorn(scores).tolist(),
                   "q_1_iter_eps_0.1": sinkhorn(scores, iterations=1, epsilon=0.1).tolist()}


def loss_case(n_high, n_low, queue_len=0, b=6, k=5, **kw):
    high = [randn(b, k, scale=0.4).requires_grad_() for _ in range(n_high)]
    low = [randn(b, k, scale=0.4).requires_grad_() for _ in range(n_low)]
    queue = [randn(queue_len, k, scale=0.4) for _ in range(n_high)] if queue_len else None
    loss = SwaVLoss(**kw)(high, low, queue)
    loss.backward()
    case = {"high": [t.tolist() for t in high], "low": [t.tolist() for t in low], "loss": loss.item(),
            "grad_high": [t.grad.tolist() for t in high], "grad_low": [t.grad.tolist() for t in low]}
    if queue is not None:
        case["queue"] = [t.tolist() for t in queue]
    return case


out["loss_2_high_2_low"] = loss_case(2, 2)
out["loss_2_high_2_low_queue"] = loss_case(2, 2, queue_len=8)
out["loss_2_high"] = loss_case(2, 0)
out["loss_3_high_1_low_t0.2"] = loss_case(3, 1, temperature=0.2, sinkhorn_iterations=2, sinkhorn_epsilon=0.1)

# SwaVProjectionHead(6, 10, 8): Linear(no bias)-BN-ReLU-Linear(bias), training-mode forward.
torch.manual_seed(3)
head = SwaVProjectionHead(6, 10, 8)
for p in head.parameters():
    torch.nn.init.uniform_(p, -0.5, 0.5)
head.train()
x = randn(5, 6)
out["projection_head"] = {"x": x.tolist(), "y": head(x).detach().tolist(), "params": params_of(head)}

# SwaVPrototypes(8, 7, n_steps_frozen_prototypes=2): normalize() then forward; gradients of sum(y * r).
torch.manual_seed(5)
protos = SwaVPrototypes(8, 7, n_steps_frozen_prototypes=2)
raw = params_of(protos)
protos.normalize()
z = F.normalize(randn(5, 8), dim=1)
r = randn(5, 7)
case = {"raw_params": raw, "normalized_weight": protos.heads[0].weight.detach().tolist(), "x": z.tolist(), "r": r.tolist()}
for name, step in [("trained", 2), ("frozen", 1)]:
    protos.zero_grad(set_to_none=True)
    xi = z.clone().requires_grad_()
    y = protos(xi, step=step)
    (y * r).sum().backward()
    w = protos.heads[0].weight
    case[name] = {"step": step, "y": y.detach().tolist(), "grad_x": xi.grad.tolist(),
                  "grad_weight": None if w.grad is None else w.grad.tolist(),
                  "grad_bias": None if protos.heads[0].bias.grad is None else protos.heads[0].bias.grad.tolist()}
out["prototypes"] = case

# One step as Lightly's examples/pytorch/swav.py: normalize the prototypes; every crop (2 of 4 high-res
# feature rows, 2 of 4 low-res) through the head (on its own: per-crop batch-norm), L2-normalise, prototypes;
# SwaVLoss; gradients of the head's first weight and of the prototypes.
torch.manual_seed(7)
head, protos = SwaVProjectionHead(6, 10, 8), SwaVPrototypes(8, 7)
for p in list(head.parameters()):
    torch.nn.init.uniform_(p, -0.5, 0.5)
head_params, proto_params = params_of(head), params_of(protos)
protos.normalize()
crops = [randn(4, 6) for _ in range(4)]
logits = [protos(F.normalize(head(c), dim=1)) for c in crops]
loss = SwaVLoss()(logits[:2], logits[2:])
loss.backward()
out["step"] = {"head_params": head_params, "prototype_params": proto_params, "crops": [c.tolist() for c in crops],
               "loss": loss.item(), "grad_head_weight": head.layers[0].weight.grad.tolist(),
               "grad_prototype_weight": protos.heads[0].weight.grad.tolist(),
               "grad_prototype_bias": protos.heads[0].bias.grad.tolist()}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kit", "swav.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
