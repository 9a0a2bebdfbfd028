"""The Lightly 1.6 side of the fidelity recipes for methods ../shared/peer/lightly_knn.py does not have,
written in its pattern and run through its main() (same data, ResNet-18, SGD, schedule, kNN):

    $PEER/bin/python Tests/Fixtures/lightly_extra_methods.py --method simsiam --width 0.25 --epochs 12 \\
        --train ../shared/data/cifar10/train --test ../shared/data/cifar10/test --seed 0

Set PEER_SCRIPTS to the folder of lightly_knn.py if it is not ../shared/peer beside the repository.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("PEER_SCRIPTS", os.path.join(HERE, "..", "..", "..", "shared", "peer")))
import lightly_knn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from lightly.loss import (BarlowTwinsLoss, DCLLoss, DCLWLoss, NegativeCosineSimilarity, NTXentLoss,  # noqa: E402
                          SwaVLoss, VICRegLoss)
from lightly.models.modules.heads import (BarlowTwinsProjectionHead, NNCLRPredictionHead,  # noqa: E402
                                          NNCLRProjectionHead, SimCLRProjectionHead, SimSiamPredictionHead,
                                          SimSiamProjectionHead, SwaVProjectionHead, SwaVPrototypes,
                                          VICRegProjectionHead)
from lightly.models.modules.nn_memory_bank import NNMemoryBankModule  # noqa: E402
from lightly.transforms import (BYOLTransform, BYOLView1Transform, BYOLView2Transform,  # noqa: E402
                                SimCLRTransform, SimSiamTransform, SwaVTransform)


def simsiam(bb, dim):
    """SimSiam (Chen & He 2021, arXiv:2011.10566) as Lightly's examples/pytorch/simsiam.py at the CIFAR
    scale: SimSiamProjectionHead(dim, 512, 128), SimSiamPredictionHead(128, 64, 128); loss
    0.5 * (NegCos(p0, z1.detach()) + NegCos(p1, z0.detach())); SimSiamTransform(input_size=32,
    gaussian_blur=0.0)."""
    proj, pred = SimSiamProjectionHead(dim, 512, 128), SimSiamPredictionHead(128, 64, 128)
    crit = NegativeCosineSimilarity()

    def step(views, epoch):
        z0, z1 = (proj(bb(x)) for x in views)
        p0, p1 = pred(z0), pred(z1)
        return 0.5 * (crit(p0, z1.detach()) + crit(p1, z0.detach()))
    return (lambda: SimSiamTransform(input_size=32, gaussian_blur=0.0)), [proj, pred], step


def barlowtwins(bb, dim):
    """Barlow Twins (Zbontar et al. 2021, arXiv:2103.03230) as Lightly's examples/pytorch/barlowtwins.py at
    the CIFAR scale: BarlowTwinsProjectionHead(dim, 512, 512); BarlowTwinsLoss(lambda_param=5e-3);
    BYOLTransform at 32 px without blur."""
    proj = BarlowTwinsProjectionHead(dim, 512, 512)
    crit = BarlowTwinsLoss()

    def step(views, epoch):
        z0, z1 = (proj(bb(x)) for x in views)
        return crit(z0, z1)
    return (lambda: BYOLTransform(view_1_transform=BYOLView1Transform(input_size=32, gaussian_blur=0.0),
                                  view_2_transform=BYOLView2Transform(input_size=32, gaussian_blur=0.0))), [proj], step


def vicreg(bb, dim):
    """VICReg (Bardes et al. 2022, arXiv:2105.04906) as Lightly's examples/pytorch/vicreg.py at the CIFAR
    scale: VICRegProjectionHead(dim, 512, 512, num_layers=3); VICRegLoss() (25/25/1); BYOL's views with
    solarisation 0.1 on both and no blur (VICRegTransform's probabilities at 32 px)."""
    proj = VICRegProjectionHead(dim, 512, 512, num_layers=3)
    crit = VICRegLoss()

    def step(views, epoch):
        z0, z1 = (proj(bb(x)) for x in views)
        return crit(z0, z1)
    return (lambda: BYOLTransform(view_1_transform=BYOLView1Transform(input_size=32, gaussian_blur=0.0, solarization_prob=0.1),
                                  view_2_transform=BYOLView2Transform(input_size=32, gaussian_blur=0.0, solarization_prob=0.1))), [proj], step


def dcl(bb, dim, weighted=False):
    """DCL / DCLW (Yeh et al. 2022, arXiv:2110.06848) as lightly_knn.py's SimCLR with Lightly's DCLLoss() /
    DCLWLoss() (temperature 0.1, sigma 0.5) in place of NT-Xent: SimCLRProjectionHead(dim, dim, 128),
    SimCLRTransform(input_size=32, gaussian_blur=0.0)."""
    head, crit = SimCLRProjectionHead(dim, dim, 128), (DCLWLoss() if weighted else DCLLoss())

    def step(views, epoch):
        return crit(head(bb(views[0])), head(bb(views[1])))
    return lambda: SimCLRTransform(input_size=32, gaussian_blur=0.0), [head], step


def nnclr(bb, dim):
    """NNCLR (Dwibedi et al. 2021, arXiv:2104.14548) as Lightly's examples/pytorch/nnclr.py at the CIFAR
    scale: NNCLRProjectionHead(dim, 512, 128), NNCLRPredictionHead(128, 512, 128), NNMemoryBankModule of
    4096 x 128 (looked up for both views, updated with the second), NTXentLoss() (temperature 0.5),
    loss 0.5 * (NTXent(nn(z0), p1) + NTXent(nn(z1), p0)); SimCLRTransform(input_size=32, gaussian_blur=0.0)."""
    proj, pred = NNCLRProjectionHead(dim, 512, 128), NNCLRPredictionHead(128, 512, 128)
    bank, crit = NNMemoryBankModule(size=(4096, 128)), NTXentLoss()

    def step(views, epoch):
        z0, z1 = (proj(bb(x)) for x in views)
        p0, p1 = pred(z0), pred(z1)
        nn0 = bank(z0.detach(), update=False)
        nn1 = bank(z1.detach(), update=True)
        return 0.5 * (crit(nn0, p1) + crit(nn1, p0))
    return lambda: SimCLRTransform(input_size=32, gaussian_blur=0.0), [proj, pred], step


def swav(bb, dim):
    """SwaV (Caron et al. 2020, arXiv:2006.09882) as Lightly's examples/pytorch/swav.py at the CIFAR scale:
    SwaVProjectionHead(dim, 512, 128), SwaVPrototypes(128, n_prototypes=512, n_steps_frozen_prototypes=1) (fixed in
    the first epoch: step=epoch, as Lightly's ImageNet benchmark), prototypes.normalize() before each step, every
    crop through backbone and head on its own and L2-normalised; SwaVLoss() (temperature 0.1, 3 Sinkhorn iterations,
    epsilon 0.05), no queue; SwaVTransform(crop_sizes=(32, 16), crop_counts=(2, 6), gaussian_blur=0.0) (scales
    0.14-1 and 0.05-0.14)."""
    proj, protos = SwaVProjectionHead(dim, 512, 128), SwaVPrototypes(128, n_prototypes=512, n_steps_frozen_prototypes=1)
    crit = SwaVLoss()

    def step(views, epoch):
        protos.normalize()
        scores = [protos(F.normalize(proj(bb(x)), dim=1, p=2), step=epoch) for x in views]
        return crit(scores[:2], scores[2:])
    return lambda: SwaVTransform(crop_sizes=(32, 16), crop_counts=(2, 6), gaussian_blur=0.0), [proj, protos], step


lightly_knn.METHODS["simsiam"] = simsiam
lightly_knn.METHODS["swav"] = swav
lightly_knn.METHODS["nnclr"] = nnclr
lightly_knn.METHODS["dcl"] = dcl
lightly_knn.METHODS["dclw"] = lambda bb, dim: dcl(bb, dim, weighted=True)
lightly_knn.METHODS["barlowtwins"] = barlowtwins
lightly_knn.METHODS["vicreg"] = vicreg

if __name__ == "__main__":
    lightly_knn.main()
