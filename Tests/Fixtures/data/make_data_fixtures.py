#!/usr/bin/env python3
"""Makes the fixtures of Tests/PretextDataTests: small images of every kind with Pillow's decoded
pixels, and torchvision's outputs of each transform for fixed parameters.

Run from the repository root with a Python that has numpy, Pillow, torch and torchvision:

    python Tests/Fixtures/data/make_data_fixtures.py

Outputs (all committed, all small):
  decode/*.png, decode/*.jpg   13x9 test images: gray, gray+alpha, RGB, RGBA, palette (+tRNS), 1/2/4-bit
                               gray, 16-bit gray/gray+alpha/RGB/RGBA, Adam7-interlaced, baseline JPEG
                               (4:2:0, 4:2:2, 4:4:4, optimized Huffman, restart markers), progressive JPEG,
                               grayscale JPEG, CMYK JPEG
  decode/expected.json         Pillow's `Image.open(f).convert("RGB")` pixels for each (what torchvision's
                               ImageFolder loader feeds its transforms), plus Pillow's mode
  real_patch.png               a 32x24 photo: "Chelsea the cat" by Stefan van der Walt, from
                               scikit-image's data folder (no copyright restrictions, CC0), resized with
                               Pillow's LANCZOS. Made once with --chelsea PATH/TO/chelsea.png.
  transforms.json              torchvision.transforms.v2.functional outputs on real_patch.png converted to
                               float32 CHW in [0, 1] (pil_to_tensor + to_dtype(scale=True)), i.e. the float
                               tensor path Pretext implements. Float data are base64 little-endian float32.

Versions used for the committed fixtures are written into both JSON files.
"""
import argparse
import base64
import io
import json
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))
DECODE = os.path.join(HERE, "decode")


# ----------------------------------------------------------------------------------------------
# A raw PNG writer for the layouts Pillow cannot save (16-bit RGB(A), gray+alpha 16, 2/4-bit gray,
# Adam7 interlacing).
# ----------------------------------------------------------------------------------------------

def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _pack_rows(samples: np.ndarray, bit_depth: int) -> list:
    """samples: H x W x C integer array -> list of packed row bytes (no filter byte)."""
    h, w, c = samples.shape
    rows = []
    for y in range(h):
        row = samples[y].reshape(-1)
        if bit_depth == 16:
            rows.append(row.astype(">u2").tobytes())
        elif bit_depth == 8:
            rows.append(row.astype(np.uint8).tobytes())
        else:
            per_byte = 8 // bit_depth
            out = bytearray((len(row) * bit_depth + 7) // 8)
            for i, v in enumerate(row):
                shift = 8 - bit_depth * (i % per_byte + 1)
                out[i // per_byte] |= (int(v) & ((1 << bit_depth) - 1)) << shift
            rows.append(bytes(out))
    return rows


ADAM7 = [(0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1)]


def write_png(path, samples, bit_depth, color_type, interlace=False, palette=None, trns=None):
    h, w, _ = samples.shape
    raw = b""
    if interlace:
        for (sy, sx, dy, dx) in ADAM7:
            sub = samples[sy::dy, sx::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            raw += b"".join(b"\x00" + r for r in _pack_rows(sub, bit_depth))
    else:
        raw = b"".join(b"\x00" + r for r in _pack_rows(samples, bit_depth))
    png = b"\x89PNG\r\n\x1a\n"
    png += _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0))
    if palette is not None:
        png += _chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if trns is not None:
        png += _chunk(b"tRNS", trns)
    png += _chunk(b"IDAT", zlib.compress(raw, 9))
    png += _chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


# ----------------------------------------------------------------------------------------------
# Decoding fixtures
# ----------------------------------------------------------------------------------------------

def source_rgb(w=13, h=9):
    """A deterministic test picture with smooth gradients, edges and noise."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w]
    r = 255 * xx / (w - 1)
    g = 255 * yy / (h - 1)
    b = 128 + 100 * np.sin(xx * 0.9 + yy * 0.7)
    img = np.stack([r, g, b], -1) + rng.normal(0, 12, (h, w, 3))
    img[2:5, 3:8] = [250, 30, 60]  # a saturated block with hard edges (chroma subsampling stress)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def make_decode_fixtures():
    os.makedirs(DECODE, exist_ok=True)
    rgb = source_rgb()
    h, w, _ = rgb.shape
    rng = np.random.default_rng(1)
    alpha = rng.integers(0, 256, (h, w), dtype=np.uint8)
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    files = {}

    def save(name, im, **kw):
        im.save(os.path.join(DECODE, name), **kw)
        files[name] = None

    save("rgb.png", Image.fromarray(rgb))
    save("gray.png", Image.fromarray(gray))
    save("gray_alpha.png", Image.fromarray(np.stack([gray, alpha], -1), "LA"))
    save("rgba.png", Image.fromarray(np.concatenate([rgb, alpha[..., None]], -1), "RGBA"))
    save("palette.png", Image.fromarray(rgb).quantize(colors=16, method=Image.Quantize.MEDIANCUT))
    pal = Image.fromarray(rgb).quantize(colors=7, method=Image.Quantize.MEDIANCUT)
    save("palette_trns.png", pal, transparency=3)
    pal4 = Image.fromarray(rgb).quantize(colors=4, method=Image.Quantize.MEDIANCUT)
    save("palette_2bit.png", pal4, bits=2)
    save("gray_1bit.png", Image.fromarray(gray > 127))
    save("rgb_trns.png", Image.fromarray(rgb), transparency=tuple(int(v) for v in rgb[0, 0]))

    # 16-bit grayscale through Pillow (mode I;16): values span below and above 255.
    g16 = (gray.astype(np.uint32) * 257 // 3).astype(np.uint16)
    g16[0, :] = np.arange(w, dtype=np.uint16) * 37  # small values, which Pillow keeps (< 255)
    save("gray16.png", Image.fromarray(g16))  # mode I;16
    # 16-bit layouts Pillow cannot write: raw writer.
    rgb16 = (rgb.astype(np.uint32) * 257 + rng.integers(0, 257, rgb.shape)).astype(np.uint16)
    write_png(os.path.join(DECODE, "rgb16.png"), rgb16, 16, 2)
    files["rgb16.png"] = None
    a16 = (alpha.astype(np.uint32) * 257).astype(np.uint16)
    write_png(os.path.join(DECODE, "rgba16.png"), np.concatenate([rgb16, a16[..., None]], -1), 16, 6)
    files["rgba16.png"] = None
    gray16b = (gray.astype(np.uint32) * 257 + 100).astype(np.uint16)
    write_png(os.path.join(DECODE, "gray_alpha16.png"), np.stack([gray16b, a16], -1), 16, 4)
    files["gray_alpha16.png"] = None
    write_png(os.path.join(DECODE, "gray_2bit.png"), (gray >> 6)[..., None], 2, 0)
    files["gray_2bit.png"] = None
    write_png(os.path.join(DECODE, "gray_4bit.png"), (gray >> 4)[..., None], 4, 0)
    files["gray_4bit.png"] = None
    write_png(os.path.join(DECODE, "interlaced.png"), rgb, 8, 2, interlace=True)
    files["interlaced.png"] = None
    write_png(os.path.join(DECODE, "interlaced_rgba16.png"),
              np.concatenate([rgb16, a16[..., None]], -1), 16, 6, interlace=True)
    files["interlaced_rgba16.png"] = None

    im = Image.fromarray(rgb)
    save("baseline_420.jpg", im, quality=90, subsampling=2)
    save("baseline_422.jpg", im, quality=85, subsampling=1)
    save("baseline_444.jpg", im, quality=95, subsampling=0)
    save("optimized.jpg", im, quality=75, optimize=True)
    save("restart.jpg", im, quality=80, restart_marker_blocks=1)
    save("progressive.jpg", im, quality=90, progressive=True)
    save("progressive_444.jpg", im, quality=80, progressive=True, subsampling=0)
    save("gray.jpg", Image.fromarray(gray), quality=90)
    save("cmyk.jpg", im.convert("CMYK"), quality=90)

    expected = {
        "generator": "Tests/Fixtures/data/make_data_fixtures.py",
        "pillow": Image.__version__,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
        "zlib": features.version("zlib"),
        "images": {},
    }
    for name in sorted(files):
        with Image.open(os.path.join(DECODE, name)) as src:
            mode = src.mode
            fmt = src.format
            out = np.asarray(src.convert("RGB"))
        expected["images"][name] = {
            "format": fmt, "pillow_mode": mode, "width": int(out.shape[1]), "height": int(out.shape[0]),
            "pixels": base64.b64encode(out.astype(np.uint8).tobytes()).decode("ascii"),
        }
    with open(os.path.join(DECODE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"decode: {len(files)} images")


# ----------------------------------------------------------------------------------------------
# Transform fixtures (torchvision.transforms.v2.functional on float32 CHW in [0, 1])
# ----------------------------------------------------------------------------------------------

def f32(t):
    a = t.detach().to("cpu").contiguous().numpy().astype("<f4")
    return {"shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode("ascii")}


def make_transform_fixtures(chelsea_path=None):
    import torch
    import torchvision
    from torchvision.transforms.v2 import functional as F
    from torchvision.transforms.v2.functional import InterpolationMode as IM

    patch_path = os.path.join(HERE, "real_patch.png")
    if chelsea_path:
        Image.open(chelsea_path).convert("RGB").resize((32, 24), Image.LANCZOS).save(patch_path)
    if not os.path.exists(patch_path):
        sys.exit("real_patch.png is missing: run once with --chelsea path/to/skimage/data/chelsea.png")
    pil = Image.open(patch_path).convert("RGB")
    x = F.to_dtype(F.pil_to_tensor(pil), torch.float32, scale=True)  # [3, 24, 32]
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    cases = []

    def add(name, op, params, out):
        cases.append({"name": name, "op": op, "params": params, **f32(out)})

    add("to_tensor", "to_tensor", {}, x)
    # Resized crops (box = top, left, height, width), bilinear and bicubic, antialias=True.
    boxes = [
        ("down", (3, 5, 18, 24), (12, 16)),   # downscale, non-integer factors
        ("up", (10, 8, 9, 11), (20, 20)),     # upscale
        ("mixed", (0, 0, 24, 13), (16, 22)),  # shrink rows, grow columns
        ("same_w", (2, 4, 20, 18), (10, 18)),  # one dimension unchanged
    ]
    for interp, mode in (("bilinear", IM.BILINEAR), ("bicubic", IM.BICUBIC)):
        for tag, (t, l, hh, ww), size in boxes:
            out = F.resized_crop(x, t, l, hh, ww, list(size), interpolation=mode, antialias=True)
            add(f"resized_crop_{interp}_{tag}", "resized_crop",
                {"top": t, "left": l, "height": hh, "width": ww, "size": list(size), "interpolation": interp}, out)
    add("resize_short_side_20", "resize", {"size": 20, "interpolation": "bilinear"},
        F.resize(x, [20], interpolation=IM.BILINEAR, antialias=True))
    add("resize_short_side_30", "resize", {"size": 30, "interpolation": "bilinear"},
        F.resize(x, [30], interpolation=IM.BILINEAR, antialias=True))
    add("center_crop_20", "center_crop", {"height": 20, "width": 20}, F.center_crop(x, [20, 20]))
    add("center_crop_17x25", "center_crop", {"height": 17, "width": 25}, F.center_crop(x, [17, 25]))
    add("center_crop_pad_33x45", "center_crop", {"height": 33, "width": 45}, F.center_crop(x, [33, 45]))
    add("hflip", "hflip", {}, F.horizontal_flip(x))
    add("vflip", "vflip", {}, F.vertical_flip(x))
    for k in (1, 2, 3):
        add(f"rot90_{k}", "rot90", {"k": k}, torch.rot90(x, k, dims=[-2, -1]))
    for v in (0.55, 1.35):
        add(f"brightness_{v}", "brightness", {"factor": v}, F.adjust_brightness(x, v))
    for v in (0.4, 1.6):
        add(f"contrast_{v}", "contrast", {"factor": v}, F.adjust_contrast(x, v))
    for v in (0.0, 0.3, 1.8):
        add(f"saturation_{v}", "saturation", {"factor": v}, F.adjust_saturation(x, v))
    for v in (-0.45, 0.2, 0.5):
        add(f"hue_{v}", "hue", {"factor": v}, F.adjust_hue(x, v))
    add("grayscale", "grayscale", {}, F.rgb_to_grayscale(x, num_output_channels=3))
    for k, s in ((3, 2.0), (5, 1.3), (9, 0.7), (13, 1.9)):
        add(f"gaussian_blur_{k}_{s}", "gaussian_blur", {"kernel_size": k, "sigma": s},
            F.gaussian_blur(x, [k, k], [s, s]))
    for th in (0.5, 0.3):
        add(f"solarize_{th}", "solarize", {"threshold": th}, F.solarize(x, th))
    add("normalize_imagenet", "normalize", {"mean": mean, "std": std}, F.normalize(x, mean, std))

    # ColorJitter with fixed factors and order (torchvision's ColorJitter: fn_idx order over
    # 0 brightness, 1 contrast, 2 saturation, 3 hue).
    def jitter(img, order, b, c, s, h):
        for fn in order:
            if fn == 0:
                img = F.adjust_brightness(img, b)
            elif fn == 1:
                img = F.adjust_contrast(img, c)
            elif fn == 2:
                img = F.adjust_saturation(img, s)
            else:
                img = F.adjust_hue(img, h)
        return img

    for order, (b, c, s, h) in (([2, 0, 3, 1], (1.25, 0.7, 1.45, -0.12)), ([3, 1, 0, 2], (0.6, 1.5, 0.3, 0.17))):
        add("color_jitter_" + "".join(map(str, order)), "color_jitter",
            {"order": order, "brightness": b, "contrast": c, "saturation": s, "hue": h},
            jitter(x, order, b, c, s, h))

    # A whole SimCLR-like view with fixed parameters: crop -> flip -> jitter -> grayscale -> blur -> normalize.
    v = F.resized_crop(x, 4, 6, 18, 22, [20, 20], interpolation=IM.BILINEAR, antialias=True)
    v = F.horizontal_flip(v)
    v = jitter(v, [1, 3, 0, 2], 1.1, 0.8, 1.3, 0.05)
    v = F.gaussian_blur(v, [7, 7], [1.1, 1.1])
    v = F.solarize(v, 0.5)
    v = F.normalize(v, mean, std)
    add("composed_view", "composed",
        {"crop": [4, 6, 18, 22], "size": 20, "hflip": True, "order": [1, 3, 0, 2], "brightness": 1.1,
         "contrast": 0.8, "saturation": 1.3, "hue": 0.05, "blur_kernel": 7, "blur_sigma": 1.1,
         "solarize": 0.5, "mean": mean, "std": std}, v)

    doc = {
        "generator": "Tests/Fixtures/data/make_data_fixtures.py",
        "torch": torch.__version__, "torchvision": torchvision.__version__, "pillow": Image.__version__,
        "input": "real_patch.png -> pil_to_tensor -> to_dtype(float32, scale=True), shape [3, 24, 32]",
        "cases": cases,
    }
    with open(os.path.join(HERE, "transforms.json"), "w") as f:
        json.dump(doc, f, indent=0)
        f.write("\n")
    print(f"transforms: {len(cases)} cases")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chelsea", help="path to scikit-image's data/chelsea.png to (re)make real_patch.png")
    ap.add_argument("--only", choices=["decode", "transforms"], help="make only one group")
    args = ap.parse_args()
    if args.only in (None, "decode"):
        make_decode_fixtures()
    if args.only in (None, "transforms"):
        make_transform_fixtures(args.chelsea)
