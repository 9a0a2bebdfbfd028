"""SimMIM swap run (issue #18): Lightly's 12-epoch SimMIM recipe started from Pretext's initial encoder weights.

    $PEER/bin/python Tests/Fixtures/simmim_swap/lightly_from_init.py --init PRETEXT_INIT.safetensors --epochs 12 --seed 0 \\
        --threads 1 --train ../shared/data/cifar10/train --test ../shared/data/cifar10/test --json OUT.json

PRETEXT_INIT.safetensors: the export of a Pretext SimMIM run that did not move its weights (the README's recipe:
`ssl-run --config templates/recipes/simmim-vit-cifar-small.yaml --epochs 1 --lr 1e-30 --set
optimizer.weight_decay=0 --seed S`, then `ssl-run export RUN --out X.safetensors`), i.e. Pretext's initial
encoder at seed S. Everything else is `lightly_extra_methods.py --method simmim` unchanged: Lightly's data order,
views, masks, decoder initialisation, step, AdamW and schedule at --seed, and its kNN. Lightly's
MaskedVisionTransformerTIMM re-initialises the ViT when it wraps it, so the Pretext weights are loaded after that, in
place (the random numbers Lightly draws stay the same as in a normal run). The "random_init" figure in the output is
therefore of timm's initialisation (as in every lightly_knn run); the export's own kNN is Pretext's initial figure.
Set beside a normal Lightly run at the same seed: a different outcome is due to the initial weights.
"""
import os
import sys

from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import lightly_extra_methods  # noqa: E402  (registers simmim in lightly_knn)
import lightly_knn  # noqa: E402


def main():
    path = lightly_extra_methods.pop_option("--init", None, kind=str)
    if path is None:
        sys.exit("give --init PRETEXT_INIT.safetensors (see the docstring)")
    weights = load_file(path)
    original = lightly_knn.METHODS["simmim"]

    def simmim_from_pretext(bb, dim):
        made = original(bb, dim)  # wraps bb in MaskedVisionTransformerTIMM, which re-initialises it
        missing, unexpected = bb.load_state_dict(weights, strict=False)
        if missing or unexpected:
            sys.exit(f"{path}: keys do not fit vit_t4: missing {missing}, unexpected {unexpected}")
        print(f"encoder weights loaded from {path}", flush=True)
        return made

    lightly_knn.METHODS["simmim"] = simmim_from_pretext
    sys.argv += ["--method", "simmim"]
    lightly_knn.main()


if __name__ == "__main__":
    main()
