"""Checks a Detectron2 checkpoint written by Pretext (Detectron2Export.write) against the ResNet state dict
it came from (a safetensors file written by Pretext from the same model). Needs only pickle and numpy.

    python3 check_detectron2_pkl.py model.pkl state.safetensors

The expected content is derived here independently: Detectron2's tools/convert-torchvision-to-d2.py key
renaming, num_batches_tracked dropped, the first conv's input channels reversed (RGB -> BGR). The pickle is
loaded both the way Detectron2 does (encoding="latin1") and plainly. Prints "ok" and exits 0 on success.
"""
import json, pickle, struct, sys

import numpy as np


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        dt = {"F32": "<f4", "I64": "<i8"}[v["dtype"]]
        out[k] = np.frombuffer(data[b:e], dtype=dt).reshape(v["shape"])
    return out


def d2_key(k):  # tools/convert-torchvision-to-d2.py
    if "layer" not in k:
        k = "stem." + k
    for t in [1, 2, 3, 4]:
        k = k.replace("layer{}".format(t), "res{}".format(t + 1))
    for t in [1, 2, 3]:
        k = k.replace("bn{}".format(t), "conv{}.norm".format(t))
    k = k.replace("downsample.0", "shortcut")
    k = k.replace("downsample.1", "shortcut.norm")
    return k


def main(pkl, st):
    with open(pkl, "rb") as f:
        d2 = pickle.load(f, encoding="latin1")
    with open(pkl, "rb") as f:
        plain = pickle.load(f)
    assert set(d2) == {"model", "__author__", "matching_heuristics"}, sorted(d2)
    assert d2["__author__"] == "pretext" and d2["matching_heuristics"] is True
    state = read_safetensors(st)
    expected = {}
    for k, v in state.items():
        if k.endswith("num_batches_tracked"):
            continue
        v = v.astype(np.float32)
        if k == "conv1.weight":
            v = v[:, ::-1]
        expected[d2_key(k)] = v
    model = d2["model"]
    assert set(model) == set(expected), (sorted(set(model) ^ set(expected)))[:10]
    for k, v in expected.items():
        got = model[k]
        assert isinstance(got, np.ndarray) and got.dtype == np.float32, (k, type(got), getattr(got, "dtype", None))
        assert got.shape == v.shape, (k, got.shape, v.shape)
        assert np.array_equal(got, v), k
        assert np.array_equal(plain["model"][k], v), k
    for k in ["stem.conv1.weight", "stem.conv1.norm.running_var", "res2.0.conv1.weight", "res3.0.shortcut.weight",
              "res3.0.shortcut.norm.bias", "res5.1.conv2.norm.weight"]:
        assert k in model, k
    print("ok", len(model), "arrays")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
