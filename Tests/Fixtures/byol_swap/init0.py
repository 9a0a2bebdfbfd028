"""init0.py SEED OUT.safetensors: the initial online weights (backbone, projection, prediction; Pretext keys) of
lightly_knn.py --method byol --width 0.25 --seed SEED, drawn as lightly_knn.main draws them (backbone, random-init kNN,
then the heads)."""
import os, sys, torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared", "peer")); import lightly_knn
TR = os.environ.get("CIFAR_TRAIN", "../shared/data/cifar10/train"); TE = os.environ.get("CIFAR_TEST", "../shared/data/cifar10/test")
from safetensors.torch import save_file
seed, out = int(sys.argv[1]), sys.argv[2]
torch.set_num_threads(1); torch.manual_seed(seed)
bb = lightly_knn.backbone(0.25); lightly_knn.knn(bb, TR, TE)
tf, (proj, pred), step = lightly_knn.byol(bb, 128)
def key(k):
    i, rest = k.split(".", 1); i = int(i)
    if i == 0: return "conv1." + rest
    if i == 1: return "bn1." + rest
    return f"layer{(i - 3) // 2 + 1}.{(i - 3) % 2}.{rest}"
st = {f"backbone.{key(k)}": v for k, v in bb.state_dict().items()}
st.update({f"projection.{k}": v for k, v in proj.state_dict().items()}); st.update({f"prediction.{k}": v for k, v in pred.state_dict().items()})
save_file({k: v.float().contiguous() for k, v in st.items()}, out)
