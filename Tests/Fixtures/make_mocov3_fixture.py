"""Reference values for MoCo v3's parts (Chen, Xie, He 2021, arXiv:2104.02057) from Lightly 1.6 + PyTorch.
Writes Tests/Fixtures/kit/mocov3.json.

    $PEER/bin/python Tests/Fixtures/make_mocov3_fixture.py     # PEER: venv with torch, lightly==1.6.0

Lightly 1.6 has no MoCo v3 head or loss class, so:
- heads: Lightly's ProjectionHead built from the blocks of the official moco-v3 `_build_mlp` (Linear without bias,
  BatchNorm1d + ReLU on hidden layers, BatchNorm1d(affine=False) on the output; projector 3 layers, predictor 2),
  checked here to equal a transcription of `_build_mlp` with the same weights; and Lightly's
  MoCoProjectionHead(num_layers=3, batch_norm=True) (its docstring's v3 setting, affine output BN) for the
  `affine_output` option. Each: parameter names/shapes/values, a training-mode forward and the gradients of
  sum(y * upstream) with respect to the input and every parameter.
- loss: the official `ctr` loss, CrossEntropy(normalize(q) @ normalize(k).T / T, arange(B)) * 2T, summed over
  both directions ctr(q1, k2) + ctr(q2, k1); value and gradients with respect to q1, q2, k1, k2, for T = 0.2 (the
  paper's ViT setting) and T = 1.0. Lightly's NTXentLoss(memory_bank_size=0) on the same inputs is recorded too,
  to show it is a different loss (2B-way, same-view negatives).
"""
import json, os
import torch
import torch.nn as nn
from lightly.loss import NTXentLoss
from lightly.models.modules.heads import MoCoProjectionHead, ProjectionHead

out = {"generator": "Tests/Fixtures/make_mocov3_fixture.py", "lightly": __import__("lightly").__version__}
g = torch.Generator().manual_seed(41)


def official_mlp(num_layers, input_dim, mlp_dim, output_dim):
    """The official moco-v3 builder's MLP (Linear no bias; BN + ReLU; last BN without affine), transcribed."""
    mlp = []
    for i in range(num_layers):
        dim1 = input_dim if i == 0 else mlp_dim
        dim2 = output_dim if i == num_layers - 1 else mlp_dim
        mlp.append(nn.Linear(dim1, dim2, bias=False))
        if i < num_layers - 1:
            mlp += [nn.BatchNorm1d(dim2), nn.ReLU()]
        else:
            mlp.append(nn.BatchNorm1d(dim2, affine=False))
    return nn.Sequential(*mlp)


def mocov3_head(num_layers, d_in, hidden, d_out):
    blocks = [(d_in if i == 0 else hidden, hidden, nn.BatchNorm1d(hidden), nn.ReLU()) for i in range(num_layers - 1)]
    blocks.append((hidden, d_out, nn.BatchNorm1d(d_out, affine=False), None))
    return ProjectionHead(blocks)


def head_case(head, n, d_in, official=None):
    torch.manual_seed(3)
    for p in head.parameters():   # non-trivial weights and BN affine parameters
        nn.init.uniform_(p, -0.5, 0.5)
    head.train()
    x = torch.randn(n, d_in, generator=g, dtype=torch.float64).float().requires_grad_()
    y = head(x)
    upstream = torch.randn(y.shape, generator=g, dtype=torch.float64).float()
    (y * upstream).sum().backward()
    if official is not None:      # Lightly's blocks are the official MLP, parameter for parameter
        official.load_state_dict(head.layers.state_dict())
        official.train()
        assert torch.allclose(official(x.detach()), y.detach(), atol=1e-6)
    params = [{"name": k, "shape": list(v.shape), "values": v.detach().flatten().tolist()}
              for k, v in head.state_dict().items() if not k.endswith("num_batches_tracked")]
    grads = {k: p.grad.flatten().tolist() for k, p in head.named_parameters()}
    return {"x": x.detach().tolist(), "y": y.detach().tolist(), "upstream": upstream.tolist(), "grad_x": x.grad.tolist(),
            "param_grads": grads, "params": params}


out["projection_head"] = head_case(mocov3_head(3, 6, 10, 8), 5, 6, official_mlp(3, 6, 10, 8))
out["prediction_head"] = head_case(mocov3_head(2, 8, 10, 8), 5, 8, official_mlp(2, 8, 10, 8))
out["projection_head_affine"] = head_case(MoCoProjectionHead(6, 10, 8, num_layers=3, batch_norm=True), 5, 6)


def ctr(q, k, t):
    q, k = nn.functional.normalize(q, dim=1), nn.functional.normalize(k, dim=1)
    logits = torch.einsum("nc,mc->nm", [q, k]) / t
    return nn.CrossEntropyLoss()(logits, torch.arange(len(q))) * (2 * t)


def loss_case(n, d, t):
    q1, q2, k1, k2 = (torch.randn(n, d, generator=g, dtype=torch.float64).float() for _ in range(4))
    k1, k2 = (0.5 * q + 0.8 * k for q, k in ((q1, k1), (q2, k2)))   # keys near their queries
    q1, q2, k1, k2 = (v.requires_grad_() for v in (q1, q2, k1, k2))
    one = ctr(q1, k2, t)
    loss = one + ctr(q2, k1, t)
    loss.backward()
    ntxent = NTXentLoss(temperature=t, memory_bank_size=0)(q1.detach(), k2.detach()).item()
    return {"temperature": t, "q1": q1.detach().tolist(), "q2": q2.detach().tolist(), "k1": k1.detach().tolist(),
            "k2": k2.detach().tolist(), "ctr_q1_k2": one.item(), "loss": loss.item(), "lightly_ntxent_q1_k2": ntxent,
            "grad_q1": q1.grad.tolist(), "grad_q2": q2.grad.tolist(), "grad_k1": k1.grad.tolist(), "grad_k2": k2.grad.tolist()}


out["loss"] = [loss_case(8, 6, 0.2), loss_case(5, 4, 1.0)]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kit", "mocov3.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
