"""knn_eval.py BACKBONE.safetensors: kNN-20/200 of a ResNet-18 width 0.25 backbone saved under Pretext keys (optionally
prefixed backbone.), scored with lightly_knn.knn."""
import os, sys, re, torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "peer")); import lightly_knn
TR = os.environ.get("CIFAR_TRAIN", "../shared/data/cifar10/train"); TE = os.environ.get("CIFAR_TEST", "../shared/data/cifar10/test")
from safetensors.torch import load_file
torch.set_num_threads(1)
st = {k[9:] if k.startswith("backbone.") else k: v for k, v in load_file(sys.argv[1]).items() if not k.startswith(("projection.", "prediction."))}; bb = lightly_knn.backbone(0.25); own = bb.state_dict(); new = {}
for k, v in st.items():
    if k.startswith("conv1."): kk = "0." + k[6:]
    elif k.startswith("bn1."): kk = "1." + k[4:]
    else:
        m = re.match(r"layer(\d)\.(\d)\.(.*)", k); kk = f"{3 + (int(m[1]) - 1) * 2 + int(m[2])}.{m[3]}"
    new[kk] = v.to(own[kk].dtype).reshape(own[kk].shape)
missing = set(own) - set(new); print("missing", missing)
bb.load_state_dict(new, strict=False)
print(lightly_knn.knn(bb, TR, TE))
