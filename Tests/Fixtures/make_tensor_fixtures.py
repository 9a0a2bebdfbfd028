"""Writes tensor_ops.json: forward outputs and input gradients of PyTorch ops, the reference for
Tests/PretextTensorTests/TorchFixtureTests.swift.

Run (PyTorch in a venv outside the repo):  $PEER/bin/python Tests/Fixtures/make_tensor_fixtures.py
Each case: inputs (seeded normal), the op's output, a random upstream gradient `grad_output`, and the
gradients of sum(output * grad_output) with respect to every input, all float32 as nested-free lists.
"""
import json, os
import torch
import torch.nn.functional as F

torch.manual_seed(0)
cases = {}


def arr(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.flatten().tolist()]}


def case(name, op, params, inputs, fn, extra=None):
    ins = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    out = fn(**ins)
    go = torch.randn(out.shape)
    grads = torch.autograd.grad((out * go).sum(), list(ins.values()), allow_unused=True)
    c = {"op": op, "params": params, "inputs": {k: arr(v) for k, v in inputs.items()},
         "output": arr(out), "grad_output": arr(go),
         "grads": {k: arr(g) for k, g in zip(ins, grads) if g is not None}}
    if extra:
        c["extra"] = {k: arr(v) for k, v in extra().items()}
    cases[name] = c


r = torch.randn
# Convolutions: stride, padding, dilation, groups (incl. depthwise), 1x1, bias, non-square.
for name, xs, ws, bias, kw in [
    ("conv_s1_p1_bias", (2, 3, 7, 7), (4, 3, 3, 3), True, dict(stride=1, padding=1)),
    ("conv_s2_p0", (2, 4, 8, 8), (6, 4, 3, 3), False, dict(stride=2, padding=0)),
    ("conv_g2_d2_p2_bias", (1, 4, 9, 9), (4, 2, 3, 3), True, dict(padding=2, dilation=2, groups=2)),
    ("conv_depthwise_s2_p1", (2, 3, 6, 6), (3, 1, 3, 3), False, dict(stride=2, padding=1, groups=3)),
    ("conv_1x1_bias", (2, 8, 5, 5), (4, 8, 1, 1), True, dict()),
    ("conv_3x2_s21_p10", (1, 2, 6, 5), (3, 2, 3, 2), True, dict(stride=(2, 1), padding=(1, 0))),
]:
    inputs = {"x": r(xs), "weight": r(ws) * 0.3}
    if bias:
        inputs["bias"] = r(ws[0])
    params = {k: (list(v) if isinstance(v, tuple) else [v, v]) for k, v in kw.items() if k != "groups"}
    params["groups"] = kw.get("groups", 1)
    case(name, "conv2d", params, inputs, lambda x, weight, bias=None, kw=kw: F.conv2d(x, weight, bias, **kw))

# Batch norm, training mode (batch statistics + running statistics update) and eval mode.
for name, xs in [("batchnorm2d_train", (4, 3, 5, 5)), ("batchnorm1d_train", (6, 5))]:
    c = xs[1]
    rm, rv = torch.zeros(c), torch.ones(c)
    def bn(x, weight, bias, rm=rm, rv=rv):
        return F.batch_norm(x, rm, rv, weight, bias, training=True, momentum=0.1, eps=1e-5)
    case(name, "batch_norm", {"training": True, "momentum": 0.1, "eps": 1e-5},
         {"x": r(xs) * 2 + 1, "weight": r(c), "bias": r(c)}, bn,
         extra=lambda rm=rm, rv=rv: {"running_mean": rm, "running_var": rv})
rm, rv = r(3) * 0.5, torch.rand(3) + 0.5
case("batchnorm2d_eval", "batch_norm", {"training": False, "eps": 1e-5},
     {"x": r(2, 3, 4, 4), "weight": r(3), "bias": r(3)},
     lambda x, weight, bias: F.batch_norm(x, rm, rv, weight, bias, training=False, eps=1e-5),
     extra=lambda: {"running_mean": rm, "running_var": rv})

case("layernorm_eps1e-5", "layer_norm", {"eps": 1e-5}, {"x": r(3, 4, 6), "weight": r(6), "bias": r(6)},
     lambda x, weight, bias: F.layer_norm(x, (6,), weight, bias, eps=1e-5))
case("layernorm_eps1e-6", "layer_norm", {"eps": 1e-6}, {"x": r(5, 16) * 3, "weight": r(16), "bias": r(16)},
     lambda x, weight, bias: F.layer_norm(x, (16,), weight, bias, eps=1e-6))

# Pools.
case("maxpool_k3_s2_p1", "max_pool2d", {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]},
     {"x": r(2, 3, 9, 9)}, lambda x: F.max_pool2d(x, 3, 2, 1))
case("maxpool_k2_s2", "max_pool2d", {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]},
     {"x": r(1, 2, 6, 6)}, lambda x: F.max_pool2d(x, 2, 2))
case("avgpool_k2_s2", "avg_pool2d", {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]},
     {"x": r(2, 2, 6, 6)}, lambda x: F.avg_pool2d(x, 2, 2))
case("avgpool_k3_s1_p1", "avg_pool2d", {"kernel": [3, 3], "stride": [1, 1], "padding": [1, 1]},
     {"x": r(1, 2, 5, 5)}, lambda x: F.avg_pool2d(x, 3, 1, 1))
case("adaptive_avg_7to3", "adaptive_avg_pool2d", {"output": [3, 3]}, {"x": r(2, 2, 7, 7)},
     lambda x: F.adaptive_avg_pool2d(x, (3, 3)))
case("adaptive_avg_to1", "adaptive_avg_pool2d", {"output": [1, 1]}, {"x": r(2, 4, 5, 5)},
     lambda x: F.adaptive_avg_pool2d(x, 1))

# Elementwise and reductions.
case("gelu_erf", "gelu", {"approximate": False}, {"x": r(4, 5) * 2}, lambda x: F.gelu(x))
case("gelu_tanh", "gelu", {"approximate": True}, {"x": r(4, 5) * 2}, lambda x: F.gelu(x, approximate="tanh"))
case("softmax_last", "softmax", {"axis": -1}, {"x": r(3, 7) * 3}, lambda x: F.softmax(x, -1))
case("log_softmax_axis1", "log_softmax", {"axis": 1}, {"x": r(2, 5, 3) * 3}, lambda x: F.log_softmax(x, 1))
case("logsumexp_axes_0_2", "logsumexp", {"axes": [0, 2]}, {"x": r(3, 4, 5) * 2}, lambda x: torch.logsumexp(x, (0, 2)))
case("var_unbiased_axis1", "var", {"axes": [1], "correction": 1}, {"x": r(4, 6)}, lambda x: x.var(1))
case("cross_entropy", "cross_entropy", {"labels": [0, 3, 2, 1, 3], "label_smoothing": 0.0},
     {"x": r(5, 4) * 2}, lambda x: F.cross_entropy(x, torch.tensor([0, 3, 2, 1, 3])))
case("cross_entropy_smooth0.1", "cross_entropy", {"labels": [0, 3, 2, 1, 3], "label_smoothing": 0.1},
     {"x": r(5, 4) * 2}, lambda x: F.cross_entropy(x, torch.tensor([0, 3, 2, 1, 3]), label_smoothing=0.1))
case("mse", "mse", {}, {"x": r(3, 4), "y": r(3, 4)}, lambda x, y: F.mse_loss(x, y))
case("cosine_similarity", "cosine_similarity", {"axis": 1}, {"x": r(4, 6), "y": r(4, 6)},
     lambda x, y: F.cosine_similarity(x, y, dim=1))
case("normalize", "normalize", {"axis": 1}, {"x": r(4, 6)}, lambda x: F.normalize(x, dim=1))
case("matmul_broadcast", "matmul", {}, {"x": r(2, 1, 3, 4), "y": r(3, 4, 5)}, lambda x, y: x @ y)
case("linear", "linear", {}, {"x": r(2, 3, 5), "weight": r(4, 5), "bias": r(4)},
     lambda x, weight, bias: F.linear(x, weight, bias))

out = {"generator": "torch " + torch.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tensor_ops.json")
json.dump(out, open(path, "w"))
print("wrote", path, len(cases), "cases", os.path.getsize(path), "bytes")
