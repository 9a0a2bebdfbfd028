"""Lightly's SwAV recipe (lightly_extra_methods.swav) with the prototypes' bias removed, as in the SwAV reference code
(prototypes = nn.Linear(output_dim, nmb_prototypes, bias=False)); Lightly 1.6's SwaVPrototypes keep nn.Linear's bias.
Takes lightly_extra_methods.py's arguments:

    $PEER/bin/python Tests/Fixtures/lightly_swav_nobias.py --method swav --width 0.25 --epochs 12 --seed 0 --threads 1 \
        --train ../shared/data/cifar10/train --test ../shared/data/cifar10/test

A check of whether that bias is what lets the swav-cifar-small recipe sit at loss ln 512 (see swav_collapse_check.py
and the README's SwAV row), not a test.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lightly_extra_methods  # noqa: E402  (registers swav in lightly_knn.METHODS)
import lightly_knn  # noqa: E402

with_bias = lightly_extra_methods.swav


def swav_without_prototype_bias(bb, dim):
    transform, modules, step = with_bias(bb, dim)
    for head in modules[1].heads:   # modules = [projection head, SwaVPrototypes]
        head.register_parameter("bias", None)
    return transform, modules, step


lightly_knn.METHODS["swav"] = swav_without_prototype_bias

if __name__ == "__main__":
    lightly_knn.main()
