"""Why a SwAV run sits at loss ln(n_prototypes): looks inside one Pretext SwAV checkpoint (ResNet-18 CIFAR stem,
width 0.25, SwaVProjectionHead 128 -> 512 -> 128, SwaVPrototypes 512 with bias, Pretext keys).

    $PEER/bin/python Tests/Fixtures/swav_collapse_check.py RUN/checkpoints/epoch-012.safetensors

Loads the weights into lightly_knn.backbone(0.25) and the head, runs 125 test images in training mode (batch
statistics, as in a step) and prints: the pairwise cosine of the projections z (1.0 = every image mapped to one
point), the spread of the prototype scores z.w_k across the 512 prototypes with and without the prototype biases
b_k, and the softmax((z.w + b) / 0.1) the loss reads (uniform = ln 512 nats of entropy). Seen in session 18 (the
swav-cifar-small recipe, seed 0, epoch 12 of a 50-epoch run at lr 0.06): z pairwise cosine 0.998 (every image
mapped to nearly one point), the prototype biases cancel the score differences (std 0.044 -> 0.003), the softmax is
uniform. The biases are Lightly's (SwaVPrototypes is nn.Linear with its default bias; the SwAV reference code's
prototypes have none), but they are not what makes the run collapse: Lightly's recipe with the biases removed falls
towards ln 512 as well, only more slowly (6.2409 against 6.2390 after 6 epochs). A diagnostic for the README's quality table, not a test.
"""
import os
import sys

import torch
import torchvision
import torchvision.transforms as T
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "shared")
sys.path.insert(0, os.path.join(SHARED, "peer"))
import lightly_knn  # noqa: E402
sys.path.insert(0, os.path.join(HERE, "byol_swap"))
from knn_eval import resnet_from_pretext  # noqa: E402


def main():
    torch.set_num_threads(1)
    w = load_file(sys.argv[1])
    bb = resnet_from_pretext(w)
    proj = torch.nn.Sequential(torch.nn.Linear(128, 512, bias=False), torch.nn.BatchNorm1d(512), torch.nn.ReLU(),
                               torch.nn.Linear(512, 128))
    proj.load_state_dict({k[len("projection.layers."):]: v for k, v in w.items() if k.startswith("projection.")})
    W, b = w["prototypes.heads.0.weight"], w["prototypes.heads.0.bias"]
    tf = T.Compose([T.ToTensor(), T.Normalize(lightly_knn.IMAGENET_NORMALIZE["mean"], lightly_knn.IMAGENET_NORMALIZE["std"])])
    ds = torchvision.datasets.ImageFolder(os.path.join(SHARED, "data", "cifar10", "test"), tf)
    x = torch.stack([ds[i][0] for i in range(0, len(ds), max(1, len(ds) // 125))][:125])
    bb.train(), proj.train()
    with torch.no_grad():
        z = torch.nn.functional.normalize(proj(bb(x)), dim=1)
        s = z @ torch.nn.functional.normalize(W, dim=1).T
        p = torch.softmax((s + b) / 0.1, dim=1)
    print(f"z pairwise cosine: mean {(z @ z.T).mean():.4f}, min {(z @ z.T).min():.4f}")
    print(f"prototype scores, std across the {len(W)} prototypes (mean over images): z.w {s.std(1).mean():.4f}, "
          f"z.w + b {(s + b).std(1).mean():.4f}")
    print(f"softmax((z.w + b) / 0.1): entropy {-(p * p.log()).sum(1).mean():.4f} nats (uniform ln {len(W)} = "
          f"{torch.log(torch.tensor(float(len(W)))):.4f}), largest probability {p.max(1).values.mean():.5f} "
          f"(uniform {1 / len(W):.5f})")


if __name__ == "__main__":
    main()
