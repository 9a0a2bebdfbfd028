"""The Lightly 1.6 side of the fidelity recipes for methods ../shared/peer/lightly_knn.py does not have,
written in its pattern and run through its main() (same data, ResNet-18, SGD, schedule, kNN; mocov3, simmim and ibot on its
ViT-T/4 with AdamW, as its dino-vit and mae):

    $PEER/bin/python Tests/Fixtures/lightly_extra_methods.py --method simsiam --width 0.25 --epochs 12 \\
        --train ../shared/data/cifar10/train --test ../shared/data/cifar10/test --seed 0

SwAV's queue (off by default, as the recipe): add --queue-size N --start-queue-at-epoch E (see swav()).
Set PEER_SCRIPTS to the folder of lightly_knn.py if it is not ../shared/peer beside the repository.
"""
import argparse
import copy
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("PEER_SCRIPTS", os.path.join(HERE, "..", "..", "..", "shared", "peer")))
import lightly_knn  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision  # noqa: E402
from lightly.loss import (BarlowTwinsLoss, DCLLoss, DCLWLoss, DINOLoss, IBOTPatchLoss,  # noqa: E402
                          NegativeCosineSimilarity, NTXentLoss, SwaVLoss, VICRegLoss)
from lightly.models.modules.heads import (BarlowTwinsProjectionHead, NNCLRPredictionHead,  # noqa: E402
                                          NNCLRProjectionHead, ProjectionHead, SimCLRProjectionHead,
                                          SimSiamPredictionHead, SimSiamProjectionHead, SwaVProjectionHead,
                                          SwaVPrototypes, VICRegProjectionHead)
from lightly.models.modules.memory_bank import MemoryBankModule  # noqa: E402
from lightly.models.modules.nn_memory_bank import NNMemoryBankModule  # noqa: E402
from lightly.models import utils  # noqa: E402
from lightly.models.modules import DINOProjectionHead, MaskedVisionTransformerTIMM  # noqa: E402
from lightly.models.utils import deactivate_requires_grad, update_momentum  # noqa: E402
from lightly.utils.scheduler import cosine_schedule  # noqa: E402
from lightly.transforms import (BYOLTransform, BYOLView1Transform, BYOLView2Transform,  # noqa: E402
                                IBOTTransform, MAETransform, SimCLRTransform, SimSiamTransform, SwaVTransform)


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
    epsilon 0.05); SwaVTransform(crop_sizes=(32, 16), crop_counts=(2, 6), gaussian_blur=0.0) (scales 0.14-1 and
    0.05-0.14). No queue unless --queue-size N (the recipe's method.queue_size): then one MemoryBankModule((N, 128))
    per high-resolution crop (random unit vectors at first), read and then updated with that crop's projections
    in every step once the epoch exceeds --start-queue-at-epoch E (method.start_queue_at_epoch), its prototype
    scores passed to SwaVLoss as queue_outputs — what Pretext's SwAV plugin does."""
    proj, protos = SwaVProjectionHead(dim, 512, 128), SwaVPrototypes(128, n_prototypes=512, n_steps_frozen_prototypes=1)
    crit = SwaVLoss()
    size, start = SWAV_QUEUE
    queues = [MemoryBankModule(size=(size, 128)) for _ in range(2)] if size else []

    def step(views, epoch):
        protos.normalize()
        z = [F.normalize(proj(bb(x)), dim=1, p=2) for x in views]
        scores = [protos(p, step=epoch) for p in z]
        queue_scores = None
        if queues and epoch > start:
            with torch.no_grad():  # the bank before this batch, then the batch enqueued
                queue_scores = [protos(q(p.detach(), update=True)[1].T, step=epoch) for q, p in zip(queues, z[:2])]
        return crit(scores[:2], scores[2:], queue_scores)
    return lambda: SwaVTransform(crop_sizes=(32, 16), crop_counts=(2, 6), gaussian_blur=0.0), [proj, protos], step


def mocov3_mlp(num_layers, d_in, hidden, d_out):
    """The official moco-v3 `_build_mlp` as Lightly ProjectionHead blocks (Lightly 1.6 has no MoCo v3 head): Linear
    without bias, BatchNorm1d + ReLU on the hidden layers, BatchNorm1d(affine=False) on the output."""
    blocks = [(d_in if i == 0 else hidden, hidden, nn.BatchNorm1d(hidden), nn.ReLU()) for i in range(num_layers - 1)]
    return ProjectionHead(blocks + [(hidden, d_out, nn.BatchNorm1d(d_out, affine=False), None)])


def total_steps():
    """Optimizer steps of the whole run (epochs x full batches of the --train folder), for the momentum's cosine:
    lightly_knn.main() hands a method only the epoch, so the same arguments are read here."""
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--train"); ap.add_argument("--epochs", type=int, default=5); ap.add_argument("--batch-size", type=int, default=128)
    a, _ = ap.parse_known_args()
    return a.epochs * (len(torchvision.datasets.ImageFolder(a.train)) // a.batch_size)


def mocov3(bb, dim):
    """MoCo v3 (Chen, Xie, He 2021, arXiv:2104.02057) on the ViT-T/4 (lightly_knn.vit_t4) as the official moco-v3
    code, the CPU recipe templates/recipes/mocov3-vit-cifar-small.yaml: frozen random patch projection
    (patch_embed.proj.{weight,bias}.requires_grad = False); projection mocov3_mlp(3, dim, 4096, 256), prediction
    mocov3_mlp(2, 256, 4096, 256); momentum copy of backbone + projection, EMA with
    cosine_schedule(step, total_steps(), 0.99, 1.0) before each step; loss ctr(q1, k2) + ctr(q2, k1) with
    ctr(q, k) = CrossEntropy(normalize(q) normalize(k)^T / 0.2, arange(B)) * 2 * 0.2 (the official loss: Lightly 1.6
    has none, and NTXentLoss(memory_bank_size=0) is SimCLR's 2B-way loss with same-view negatives); BYOL's views at
    32 px without blur (the paper uses BYOL's augmentations). Optimiser (OPTIMIZERS): AdamW, lr 1.5e-4 * bs/256,
    weight decay 0.1 on every trained parameter, 5 warm-up epochs then cosine."""
    for p in bb.patch_embed.parameters():
        p.requires_grad = False
    proj, pred = mocov3_mlp(3, dim, 4096, 256), mocov3_mlp(2, 256, 4096, 256)
    bb_m, proj_m = copy.deepcopy(bb), copy.deepcopy(proj)
    deactivate_requires_grad(bb_m); deactivate_requires_grad(proj_m)
    total, t, step_count = total_steps(), 0.2, [0]

    def ctr(q, k):
        q, k = nn.functional.normalize(q, dim=1), nn.functional.normalize(k, dim=1)
        return nn.functional.cross_entropy(q @ k.T / t, torch.arange(len(q), device=q.device)) * (2 * t)

    def step(views, epoch):
        m = cosine_schedule(step_count[0], total, 0.99, 1.0)
        step_count[0] += 1
        update_momentum(bb, bb_m, m); update_momentum(proj, proj_m, m)
        q1, q2 = (pred(proj(bb(x))) for x in views)
        with torch.no_grad():
            k1, k2 = (proj_m(bb_m(x)) for x in views)
        return ctr(q1, k2) + ctr(q2, k1)
    tf = lambda: BYOLTransform(view_1_transform=BYOLView1Transform(input_size=32, gaussian_blur=0.0),
                               view_2_transform=BYOLView2Transform(input_size=32, gaussian_blur=0.0))
    return tf, [proj, pred], step


def simmim(bb, dim):
    """SimMIM (Xie et al. 2022, arXiv:2111.09886) on the ViT-T/4 (lightly_knn.vit_t4) as Lightly's
    benchmarks/imagenet/vitb16/simmim.py, the CPU recipe templates/recipes/simmim-vit-cifar-small.yaml:
    MaskedVisionTransformerTIMM(vit=bb) (MAE init, fixed sine-cosine position embedding, zero mask token);
    utils.random_grid_token_mask(mask_ratio=0.6, grid_size=2) (10 of the 16 cells of 2x2 patches masked); every token
    encoded, the masked ones replaced by the mask token; decoder nn.Linear(192, 4*4*3) on the masked tokens;
    nn.L1Loss() against patchify(x, 4)[idx_mask - 1]; MAETransform(input_size=32, min_scale=0.67). Optimiser
    (OPTIMIZERS): AdamW lr 1e-3 (as the MAE recipe; the benchmark's 1e-4 * bs/256 is for 100 epochs), betas
    (0.9, 0.999), weight decay 0.05 on every parameter, 5 warm-up epochs then cosine."""
    enc = MaskedVisionTransformerTIMM(vit=bb)
    seq = bb.patch_embed.num_patches + 1
    dec = nn.Linear(dim, 4 * 4 * 3)
    crit = nn.L1Loss()

    def step(views, epoch):
        x = views[0]
        _, idx_mask = utils.random_grid_token_mask(size=(len(x), seq), mask_ratio=0.6, grid_size=2, device=x.device)
        pred = dec(utils.get_at_index(enc.encode(images=x, idx_mask=idx_mask), idx_mask))
        return crit(pred, utils.get_at_index(utils.patchify(x, 4), idx_mask - 1))
    return (lambda: MAETransform(input_size=32, min_scale=0.67)), [enc, dec], step


def ibot(bb, dim):
    """iBOT (Zhou et al. 2022, arXiv:2111.07832) on the ViT-T/4 (lightly_knn.vit_t4) as Lightly's
    benchmarks/imagenet/vitb16/ibot.py, the CPU recipe templates/recipes/ibot-vit-cifar-small.yaml (scaled as
    lightly_knn.py's dino-vit): student = MaskedVisionTransformerTIMM(vit=bb, pos_embed_initialization="skip") (MAE
    init, learned position embedding, zero mask token), teacher = its momentum copy; one DINOProjectionHead(192, 2048,
    256, 2048, norm_last_layer=False) for class and patch tokens, the teacher's a copy; EMA m = 0.996 before each
    step. Per step: random_block_mask(size=(2B, 8, 8), min_num_masks_per_block=(8 // 3) ** 2) over both global crops;
    the teacher encodes them unmasked, the student masked (mask token), the local crops unmasked; DINOLoss(2048) on
    the class outputs + IBOTPatchLoss(2048) on the masked patches, both at teacher temperature
    linspace(0.04, 0.07, 4)[epoch] then 0.07. IBOTTransform(global_crop_size=32, local_crop_size=16,
    n_local_views=6, gaussian_blur=(0, 0, 0)). Optimiser (OPTIMIZERS): AdamW, lr 5e-4 * bs/256, weight decay 0.04 on
    every parameter, 5 warm-up epochs then cosine."""
    student = MaskedVisionTransformerTIMM(vit=bb, pos_embed_initialization="skip")
    teacher = copy.deepcopy(student)
    deactivate_requires_grad(teacher)
    head, head_t = (DINOProjectionHead(dim, 2048, 256, 2048, norm_last_layer=False) for _ in range(2))
    head_t.load_state_dict(head.state_dict())  # weight-normalised heads cannot be deep-copied
    deactivate_requires_grad(head_t)
    cls_crit, patch_crit = DINOLoss(output_dim=2048), IBOTPatchLoss(output_dim=2048)
    grid = bb.patch_embed.grid_size[0]

    def step(views, epoch):
        update_momentum(student, teacher, 0.996); update_momentum(head, head_t, 0.996)
        temp = 0.04 + 0.01 * epoch if epoch < 4 else 0.07   # torch.linspace(0.04, 0.07, 4)[epoch]
        g = torch.cat(views[:2])
        block_mask = utils.random_block_mask(size=(len(g), grid, grid), device=g.device,
                                             min_num_masks_per_block=(grid // 3) ** 2)
        mask = torch.zeros(len(g), grid * grid + 1, dtype=torch.bool, device=g.device)
        mask[:, 1:] = block_mask.flatten(start_dim=1)
        with torch.no_grad():
            tf = teacher.encode(g)
            t_cls, t_patch = head_t(tf[:, 0]), head_t(tf[mask])
        sf = student.encode(g, mask=mask)
        s_cls, s_patch = head(sf[:, 0]), head(sf[mask])
        s_local = [head(student.encode(x)[:, 0]) for x in views[2:]]
        cls_loss = cls_crit(list(t_cls.chunk(2)), list(s_cls.chunk(2)) + s_local, teacher_temp=temp)
        return cls_loss + patch_crit(t_patch, s_patch, block_mask, teacher_temp=temp)
    tf = lambda: IBOTTransform(global_crop_size=32, local_crop_size=16, n_local_views=6, gaussian_blur=(0, 0, 0))
    return tf, [student, head], step


lightly_knn.METHODS["simsiam"] = simsiam
lightly_knn.METHODS["swav"] = swav
lightly_knn.METHODS["nnclr"] = nnclr
lightly_knn.METHODS["dcl"] = dcl
lightly_knn.METHODS["dclw"] = lambda bb, dim: dcl(bb, dim, weighted=True)
lightly_knn.METHODS["barlowtwins"] = barlowtwins
lightly_knn.METHODS["vicreg"] = vicreg
lightly_knn.METHODS["mocov3"] = mocov3
lightly_knn.BACKBONES["mocov3"] = lightly_knn.vit_t4
lightly_knn.OPTIMIZERS["mocov3"] = ("adamw", lambda bs: 1.5e-4 * bs / 256, 0.1, 5)
lightly_knn.METHODS["simmim"] = simmim
lightly_knn.BACKBONES["simmim"] = lightly_knn.vit_t4
lightly_knn.OPTIMIZERS["simmim"] = ("adamw", lambda bs: 1e-3, 0.05, 5)
lightly_knn.METHODS["ibot"] = ibot
lightly_knn.BACKBONES["ibot"] = lightly_knn.vit_t4
lightly_knn.OPTIMIZERS["ibot"] = ("adamw", lambda bs: 5e-4 * bs / 256, 0.04, 5)



def pop_option(name, default, kind=int):
    """Removes `name VALUE` from sys.argv (lightly_knn.main's parser does not know it) and returns kind(VALUE)."""
    if name not in sys.argv:
        return default
    i = sys.argv.index(name)
    value = kind(sys.argv[i + 1])
    del sys.argv[i:i + 2]
    return value


# SwAV's queue: (--queue-size, --start-queue-at-epoch); read when the module is imported, before main() parses.
SWAV_QUEUE = (pop_option("--queue-size", 0), pop_option("--start-queue-at-epoch", 15))

if __name__ == "__main__":
    lightly_knn.main()
