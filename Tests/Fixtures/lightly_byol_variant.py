"""lightly_knn.py --method byol with one view knob changed, for ablations of BYOL's fidelity gap (issue #14).

Runs ../shared/peer/lightly_knn.py (or --lightly-knn PATH) unchanged except for BYOL's views:
  --solarize P   solarisation probability of view 2 (Lightly's BYOLView2Transform default, and the recipe: 0.2)
Every other argument goes to lightly_knn.py, e.g.
  $PEER/bin/python Tests/Fixtures/lightly_byol_variant.py --solarize 0 --method byol --width 0.25 --epochs 12 \
      --seed 0 --threads 1 --train ../shared/data/cifar10/train --test ../shared/data/cifar10/test --json F
Pretext's side of the same ablation: ssl-run --config templates/recipes/byol-cifar-small.yaml
  --set 'views.solarize_probs=[0, 0]'.
"""
import argparse, importlib.util, os, sys

ap = argparse.ArgumentParser(add_help=False)
ap.add_argument("--solarize", type=float, default=0.2)
ap.add_argument("--lightly-knn", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "../../../shared/peer/lightly_knn.py"))
mine, rest = ap.parse_known_args()
spec = importlib.util.spec_from_file_location("lightly_knn", mine.lightly_knn)
lk = importlib.util.module_from_spec(spec); spec.loader.exec_module(lk)

original = lk.byol


def byol(bb, dim):
    _, heads, step = original(bb, dim)
    tf = lambda: lk.BYOLTransform(
        view_1_transform=lk.BYOLView1Transform(input_size=32, gaussian_blur=0.0),
        view_2_transform=lk.BYOLView2Transform(input_size=32, gaussian_blur=0.0, solarization_prob=mine.solarize))
    return tf, heads, step


lk.METHODS["byol"] = byol
sys.argv = [sys.argv[0]] + rest
print(f"lightly_knn.py --method byol with view 2 solarised with p={mine.solarize}", flush=True)
lk.main()
