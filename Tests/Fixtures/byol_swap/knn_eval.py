"""knn_eval.py BACKBONE.safetensors: kNN-20/200 of a ResNet-18 width 0.25 backbone saved under Pretext keys (optionally
prefixed backbone.), scored with lightly_knn.knn. `resnet_from_pretext(weights)` is the key mapping (also used by ../swav_collapse_check.py),
`pretext_key` the other way (compare_trained.py, ../make_byol_step_fixture.py)."""
import os, sys, re, torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "peer")); import lightly_knn
TR = os.environ.get("CIFAR_TRAIN", "../shared/data/cifar10/train"); TE = os.environ.get("CIFAR_TEST", "../shared/data/cifar10/test")
from safetensors.torch import load_file


def pretext_key(k):
    """Pretext's (torchvision's) name for key `k` of lightly_knn.backbone's nn.Sequential (0 conv, 1 bn, 3-10 blocks)."""
    i, rest = k.split(".", 1)
    i = int(i)
    if i == 0:
        return "conv1." + rest
    if i == 1:
        return "bn1." + rest
    return f"layer{(i - 3) // 2 + 1}.{(i - 3) % 2}.{rest}"


def resnet_from_pretext(weights):
    """lightly_knn.backbone(0.25) holding Pretext's ResNet weights (keys conv1., bn1., layerL.B.…, optionally under
    backbone.; other keys, e.g. heads, are ignored). Exits naming the keys that are missing."""
    bb = lightly_knn.backbone(0.25); own = bb.state_dict(); new = {}
    for k, v in weights.items():
        if k.startswith("backbone."): k = k[9:]
        if not k.startswith(("conv1.", "bn1.", "layer")): continue
        if k.startswith("conv1."): kk = "0." + k[6:]
        elif k.startswith("bn1."): kk = "1." + k[4:]
        else:
            m = re.match(r"layer(\d)\.(\d)\.(.*)", k); kk = f"{3 + (int(m[1]) - 1) * 2 + int(m[2])}.{m[3]}"
        new[kk] = v.to(own[kk].dtype).reshape(own[kk].shape)
    missing = set(own) - set(new)
    if missing: sys.exit(f"backbone keys missing: {sorted(missing)}")
    bb.load_state_dict(new)
    return bb


if __name__ == "__main__":
    torch.set_num_threads(1)
    print(lightly_knn.knn(resnet_from_pretext(load_file(sys.argv[1])), TR, TE))
