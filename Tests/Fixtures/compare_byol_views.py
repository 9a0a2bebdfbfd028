"""Compares Pretext's BYOL views with Lightly's on the same images (issue #14, BYOL fidelity).

Lightly side: exactly what ../shared/peer/lightly_knn.py --method byol trains on,
BYOLTransform(BYOLView1Transform(input_size=32, gaussian_blur=0.0), BYOLView2Transform(input_size=32,
gaussian_blur=0.0)) on PIL images (torchvision transforms v2 when available, as Lightly picks them), with every
random draw recorded (crop box, flip, colour-jitter coin/order/factors, grayscale, solarisation). Pretext side:
dump_byol_views.swift (beside this file) built against an installed SDK: the views of
templates/recipes/byol-cifar-small.yaml (BYOLViews(inputSize: 32, blurProbs: (0, 0))) as the loader draws them.

Two checks:
  1. distributions over many draws: every drawn parameter (crop area and aspect, the two crops' overlap, jitter
     factors, coin rates) and statistics of the finished views (per-channel mean/std after normalisation, pixel
     saturation/contrast, clipped pixels, grayscale and solarised fractions);
  2. the same draws through both: Lightly's recorded parameters replayed through Pretext's ops, pixel differences
     per view, split by the ops that view went through.

Run: $PEER/bin/python Tests/Fixtures/compare_byol_views.py --prefix /path/of/ssl-run/install \
        --train ../shared/data/cifar10/train [--images 200 --draws 10 --seed 0]
"""
import argparse, colorsys, json, os, subprocess, sys, tempfile

import numpy as np, torch
from PIL import Image
from lightly.transforms import BYOLTransform, BYOLView1Transform, BYOLView2Transform
from lightly.transforms.solarize import RandomSolarization
from lightly.transforms.utils import IMAGENET_NORMALIZE

MEAN = np.array(IMAGENET_NORMALIZE["mean"], np.float32)[:, None, None]
STD = np.array(IMAGENET_NORMALIZE["std"], np.float32)[:, None, None]
HEADER = "image,draw,view,top,left,height,width,hflip,jitter,order,brightness,contrast,saturation,hue,gray,solarize"


class Recorder:
    """Wraps one BYOLViewNTransform's steps so that each call leaves its draws in self.row."""
    def __init__(self, view):
        self.row = None
        steps = view.transform.transforms
        for i, t in enumerate(steps):
            name = type(t).__name__
            if name == "RandomResizedCrop":
                self._wrap_params(t, lambda p: self.row.update(top=p["top"], left=p["left"], height=p["height"],
                                                               width=p["width"]))
            elif name == "RandomHorizontalFlip":
                self._wrap_transform(t, "hflip")
            elif name == "RandomApply":
                jitter = t.transforms[0]
                def rec(p):
                    self.row.update(jitter=1, order=" ".join(str(int(k)) for k in p["fn_idx"]),
                                    brightness=p["brightness_factor"], contrast=p["contrast_factor"],
                                    saturation=p["saturation_factor"], hue=p["hue_factor"])
                self._wrap_params(jitter, rec)
            elif name == "RandomGrayscale":
                self._wrap_transform(t, "gray")
            elif isinstance(t, RandomSolarization):
                steps[i] = self._solarize(t)
        self.view = view

    def _wrap_params(self, t, record):
        orig = t.make_params
        def make_params(flat):
            p = orig(flat); record(p); return p
        t.make_params = make_params

    def _wrap_transform(self, t, key):
        orig = t.transform
        def transform(inpt, params):
            self.row[key] = 1; return orig(inpt, params)
        t.transform = transform

    def _solarize(self, t):
        rec = self
        class Recorded:
            def __call__(self, img):
                out = t(img)
                if out is not img:
                    rec.row["solarize"] = 1
                return out
        return Recorded()

    def __call__(self, img, image, draw, view):
        self.row = dict(image=image, draw=draw, view=view, hflip=0, jitter=0, order="0 1 2 3", brightness="",
                        contrast="", saturation="", hue="", gray=0, solarize=0)
        x = self.view(img)
        return x.numpy(), self.row


def lightly_views(files, draws, seed):
    torch.manual_seed(seed); np.random.seed(seed)
    tf = BYOLTransform(view_1_transform=BYOLView1Transform(input_size=32, gaussian_blur=0.0),
                       view_2_transform=BYOLView2Transform(input_size=32, gaussian_blur=0.0))
    recs = [Recorder(v) for v in tf.transforms]
    imgs = [Image.open(f).convert("RGB") for f in files]
    views, rows = [], []
    for d in range(draws):
        for i, img in enumerate(imgs):
            for k, rec in enumerate(recs):
                x, row = rec(img, i, d, k)
                views.append(x); rows.append(row)
    return np.stack(views).reshape(-1, 2, 3, 32, 32), rows


def write_csv(rows, path):
    keys = HEADER.split(",")
    with open(path, "w") as f:
        f.write(HEADER + "\n")
        for r in rows:
            f.write(",".join(str(r[k]) if r[k] is not None else "" for k in keys) + "\n")


def read_csv(path):
    lines = open(path).read().split("\n")
    keys = lines[0].split(",")
    return [dict(zip(keys, l.split(","))) for l in lines[1:] if l]


def fnum(s):
    return float(s) if s not in ("", "None") else np.nan


def param_stats(rows):
    """Per view: drawn-parameter summaries."""
    out = {}
    for v in (0, 1):
        r = [x for x in rows if int(x["view"]) == v]
        h = np.array([int(x["height"]) for x in r]); w = np.array([int(x["width"]) for x in r])
        area = h * w / 1024.0; aspect = np.log(w / h)
        jit = np.array([int(x["jitter"]) for x in r]) == 1
        def q(a):
            a = a[~np.isnan(a)]
            return dict(mean=round(float(a.mean()), 4), sd=round(float(a.std()), 4),
                        p10=round(float(np.percentile(a, 10)), 4), p90=round(float(np.percentile(a, 90)), 4))
        order_first = np.bincount([int(x["order"].split()[0]) for x, j in zip(r, jit) if j], minlength=4)
        out[f"view{v + 1}"] = dict(
            n=len(r), crop_area=q(area), crop_log_aspect=q(aspect), full_crop_fraction=round(float((area == 1).mean()), 4),
            hflip=round(float(np.mean([int(x["hflip"]) for x in r])), 4), jitter=round(float(jit.mean()), 4),
            brightness=q(np.array([fnum(x["brightness"]) for x in r])), contrast=q(np.array([fnum(x["contrast"]) for x in r])),
            saturation=q(np.array([fnum(x["saturation"]) for x in r])), hue=q(np.array([fnum(x["hue"]) for x in r])),
            jitter_first_op=(order_first / max(1, order_first.sum())).round(3).tolist(),
            gray=round(float(np.mean([int(x["gray"]) for x in r])), 4),
            solarize=round(float(np.mean([int(x["solarize"]) for x in r])), 4))
    # overlap of the two crops of one image (IoU in source pixels)
    pairs = {}
    for x in rows:
        pairs.setdefault((x["image"], x["draw"]), {})[int(x["view"])] = x
    ious = []
    for p in pairs.values():
        a, b = p[0], p[1]
        t0, l0, h0, w0 = (int(a[k]) for k in ("top", "left", "height", "width"))
        t1, l1, h1, w1 = (int(b[k]) for k in ("top", "left", "height", "width"))
        ih = max(0, min(t0 + h0, t1 + h1) - max(t0, t1)); iw = max(0, min(l0 + w0, l1 + w1) - max(l0, l1))
        inter = ih * iw; ious.append(inter / (h0 * w0 + h1 * w1 - inter))
    ious = np.array(ious)
    out["crop_iou"] = dict(mean=round(float(ious.mean()), 4), sd=round(float(ious.std()), 4),
                           zero=round(float((ious == 0).mean()), 4))
    return out


def view_stats(v):
    """v: [M, 2, 3, 32, 32] normalised views -> per-view statistics of the finished images."""
    out = {}
    for k in (0, 1):
        x = v[:, k]
        raw = x * STD + MEAN                                   # back to [0, 1]
        chan_eq = np.abs(raw[:, 0] - raw[:, 1]).max((1, 2)) + np.abs(raw[:, 1] - raw[:, 2]).max((1, 2))
        mx, mn = raw.max(1), raw.min(1)
        sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-8), 0)  # HSV saturation per pixel
        out[f"view{k + 1}"] = dict(
            channel_mean=x.mean((0, 2, 3)).round(4).tolist(), channel_sd=x.std((0, 2, 3)).round(4).tolist(),
            raw_mean=round(float(raw.mean()), 4),
            image_contrast=round(float(raw.std((1, 2, 3)).mean()), 4),
            hsv_saturation=round(float(sat.mean()), 4),
            at_0=round(float((raw < 0.5 / 255).mean()), 4), at_1=round(float((raw > 1 - 0.5 / 255).mean()), 4),
            grayscale_views=round(float((chan_eq < 2.5 / 255).mean()), 4),
            spatial_gradient=round(float(np.abs(np.diff(raw, axis=3)).mean()), 4))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True, help="an `ssl-run install --prefix` (the SDK to build against)")
    ap.add_argument("--train", required=True); ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--draws", type=int, default=10); ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", help="folder for the tool and the dumps (default: a temporary one)")
    ap.add_argument("--json")
    a = ap.parse_args()
    files = sorted(os.path.join(r, f) for r, _, fs in os.walk(a.train) for f in fs if f.endswith(".png"))
    files = files[:: max(1, len(files) // a.images)][: a.images]
    work = a.work or tempfile.mkdtemp(prefix="byolviews-")
    os.makedirs(work, exist_ok=True)
    lst = os.path.join(work, "images.txt"); open(lst, "w").write("\n".join(files) + "\n")
    tool = os.path.join(work, "dump_byol_views")
    lib = os.path.join(a.prefix, "lib"); mods = os.path.join(lib, "pretext", "swift")
    subprocess.run(["swiftc", "-O", "-I", mods, "-I", mods + "/include", "-L", lib, "-lPretext", "-Xlinker", "-rpath",
                    "-Xlinker", lib, os.path.join(os.path.dirname(os.path.abspath(__file__)), "dump_byol_views.swift"),
                    "-o", tool], check=True)

    # Pretext's own draws
    subprocess.run([tool, "sample", lst, str(a.draws), str(a.seed), os.path.join(work, "pretext")], check=True)
    pv = np.fromfile(os.path.join(work, "pretext.f32"), np.float32).reshape(-1, 2, 3, 32, 32)
    prow = read_csv(os.path.join(work, "pretext.csv"))
    # Lightly's draws, recorded
    lv, lrow = lightly_views(files, a.draws, a.seed)
    write_csv(lrow, os.path.join(work, "lightly.csv"))
    lrow = read_csv(os.path.join(work, "lightly.csv"))

    res = dict(images=len(files), draws=a.draws, pairs=len(pv),
               params=dict(pretext=param_stats(prow), lightly=param_stats(lrow)),
               views=dict(pretext=view_stats(pv), lightly=view_stats(lv)))

    # Lightly's draws through Pretext's ops
    subprocess.run([tool, "apply", lst, os.path.join(work, "lightly.csv"), os.path.join(work, "replay")], check=True)
    rv = np.fromfile(os.path.join(work, "replay.f32"), np.float32).reshape(-1, 3, 32, 32)
    lflat = lv.reshape(-1, 3, 32, 32)
    diff = np.abs(rv - lflat) * STD  # in [0, 1] pixel units
    per = diff.reshape(len(diff), -1)
    groups = {"crop+flip only": lambda r: r["jitter"] == "0" and r["gray"] == "0" and r["solarize"] == "0"}
    for op in ("brightness", "contrast", "saturation", "hue"):
        groups[f"jitter incl. {op}"] = lambda r, op=op: r["jitter"] == "1"
    groups["jitter"] = lambda r: r["jitter"] == "1"
    groups["gray"] = lambda r: r["gray"] == "1"
    groups["solarize"] = lambda r: r["solarize"] == "1"
    groups["all"] = lambda r: True
    rep = {}
    for name, sel in groups.items():
        idx = [i for i, r in enumerate(lrow) if sel(r)]
        if not idx:
            continue
        d = per[idx]
        rep[name] = dict(views=len(idx), mean_abs=round(float(d.mean()), 5), max_abs=round(float(d.max()), 4),
                         frac_pixels_over_2_of_255=round(float((d > 2 / 255).mean()), 5),
                         frac_views_max_over_8_of_255=round(float((d.max(1) > 8 / 255).mean()), 4))
    # hue alone: rows whose only jitter effect is large hue
    res["same_draws_pretext_minus_lightly"] = rep
    # output-statistics of the replay (Pretext ops on Lightly's draws), to separate sampling from ops
    res["views"]["pretext_ops_on_lightly_draws"] = view_stats(rv.reshape(-1, 2, 3, 32, 32))
    text = json.dumps(res, indent=1)
    print(text)
    if a.json:
        open(a.json, "w").write(text + "\n")


if __name__ == "__main__":
    main()
