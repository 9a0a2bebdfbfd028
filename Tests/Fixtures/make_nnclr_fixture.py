"""Reference values for NNCLR's parts from Lightly 1.6 + PyTorch: the NNCLR projection and prediction heads
(parameter names and shapes, and a training-mode forward with their weights) and the support-set lookup of
NNMemoryBankModule (nearest neighbours of queries in a given bank). Writes Tests/Fixtures/kit/nnclr.json.

    $PEER/bin/python Tests/Fixtures/make_nnclr_fixture.py     # PEER: venv with torch, lightly==1.6.0
"""
import json, os
import torch
from lightly.models.modules.heads import NNCLRPredictionHead, NNCLRProjectionHead
from lightly.models.modules.nn_memory_bank import NNMemoryBankModule

out = {"generator": "Tests/Fixtures/make_nnclr_fixture.py", "lightly": __import__("lightly").__version__}
g = torch.Generator().manual_seed(31)


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


out["projection_head"] = head_case(NNCLRProjectionHead(6, 10, 8), 5, 6)
out["prediction_head"] = head_case(NNCLRPredictionHead(8, 10, 8), 5, 8)

size, dim = 16, 4
bank = torch.randn(size, dim, generator=g, dtype=torch.float64).float()
queries = torch.randn(5, dim, generator=g, dtype=torch.float64).float()
module = NNMemoryBankModule(size=(size, dim))
module(queries, update=False)                # initialises the bank buffer (random)
module.bank.copy_(bank.t() if module.bank.shape == (dim, size) else bank)
nearest = module(queries, update=False)
out["lookup"] = {"bank": bank.tolist(), "queries": queries.tolist(), "nearest": nearest.tolist()}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kit", "nnclr.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
