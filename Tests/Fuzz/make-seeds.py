#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into Tests/Fuzz/Corpus/<target>/ (small valid inputs
the fuzzer mutates). Needs Pillow for the images. The seeds are committed; run this only to change them."""
import io, json, os, struct, sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    folder = os.path.join(HERE, "Corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def safetensors(tensors, metadata=None, checksums=True):
    """tensors: [(key, dtype, shape, raw bytes)] in order; as SafeTensors.write lays them out."""
    metadata = dict(metadata or {})
    if checksums:
        metadata["pretext.crc32c"] = json.dumps({k: "%08x" % crc32c(raw) for k, _, _, raw in tensors},
                                                separators=(",", ":"))
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = metadata
    for key, dtype, shape, raw in tensors:
        header[key] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(raw for *_, raw in tensors)


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def images():
    def png(img, **kw):
        out = io.BytesIO(); img.save(out, "PNG", **kw); return out.getvalue()

    def jpeg(img, **kw):
        out = io.BytesIO(); img.save(out, "JPEG", **kw); return out.getvalue()

    rgb = Image.new("RGB", (5, 3))
    for x in range(5):
        for y in range(3):
            rgb.putpixel((x, y), (40 * x, 80 * y, 255 - 30 * x))
    put("image", "rgb.png", png(rgb))
    put("image", "rgba-interlaced.png", png(rgb.convert("RGBA"), interlace=1))
    put("image", "gray1.png", png(rgb.convert("1")))
    pal = rgb.convert("P", palette=Image.ADAPTIVE, colors=4)
    put("image", "palette-trns.png", png(pal, transparency=0))
    put("image", "gray16.png", png(rgb.convert("I;16")))
    put("image", "gray-alpha.png", png(rgb.convert("LA")))
    big = rgb.resize((16, 16))
    put("image", "rgb.jpg", jpeg(big, quality=90))
    put("image", "progressive.jpg", jpeg(big, quality=75, progressive=True))
    put("image", "gray.jpg", jpeg(big.convert("L")))
    put("image", "cmyk.jpg", jpeg(big.convert("CMYK")))
    put("image", "subsampled.jpg", jpeg(rgb.resize((17, 9)), subsampling=2))


def weights():
    put("safetensors", "f32.safetensors", safetensors([
        ("fc.weight", "F32", [2, 3], f32(1, 2, 3, 4, 5, 6)),
        ("fc.bias", "F32", [2], f32(0.5, -0.5)),
        ("bn.num_batches_tracked", "I64", [], struct.pack("<q", 7)),
    ], metadata={"format": "pretext-checkpoint", "method": "simclr"}))
    put("safetensors", "dtypes.safetensors", safetensors([
        ("a", "F16", [2], struct.pack("<2e", 1.5, -2.0)),
        ("b", "BF16", [1], b"\x80\x3f"),
        ("c", "F64", [1], struct.pack("<d", 3.25)),
        ("d", "I8", [3], b"\x01\xff\x02"),
        ("e", "BOOL", [2], b"\x00\x01"),
        ("f", "U16", [1, 1], struct.pack("<H", 9)),
    ], checksums=False))
    put("safetensors", "empty.safetensors", safetensors([], checksums=False))

    adamw = [("b.exp_avg", [3]), ("b.exp_avg_sq", [3]), ("w.exp_avg", [2, 3]), ("w.exp_avg_sq", [2, 3])]
    tensors = [(k, "F32", s, f32(*[0.01 * (i + 1) for i in range(s[0] * (s[1] if len(s) > 1 else 1))])) for k, s in adamw]
    tensors += [("b.step", "F32", [], f32(4)), ("step", "F32", [], f32(4)), ("w.step", "F32", [], f32(4))]
    put("optimizer-state", "adamw.safetensors", safetensors(tensors))
    # Without checksums, so mutated tensors reach loadState instead of failing the CRC check.
    put("optimizer-state", "adamw-no-crc.safetensors", safetensors(tensors, checksums=False))
    put("optimizer-state", "sgd.safetensors", safetensors([
        ("b.momentum_buffer", "F32", [3], f32(0.1, 0.2, 0.3)),
        ("step", "F32", [], f32(2)),
        ("w.momentum_buffer", "F32", [2, 3], f32(1, 2, 3, 4, 5, 6)),
    ]))
    put("optimizer-state", "fresh.safetensors", safetensors([("step", "F32", [], f32(0))]))


def states():
    base = {"epoch": 2, "step": 30, "batchInEpoch": 0, "seed": 0, "scheduleState": [], "pretextABI": 1,
            "method": "simclr", "backbone": "resnet18"}
    put("checkpoint-state", "epoch-end.json", json.dumps(base, indent=2, sort_keys=True).encode())
    mid = dict(base, epoch=1, step=12, batchInEpoch=5, epochLossSum=21.5, epochBatches=5,
               scheduleState=[0.1, 2.5, 3], schedulesState={"optimizer.weight_decay": [1.0, float("nan"), 0]})
    put("checkpoint-state", "mid-epoch.json",
        json.dumps(mid, indent=2, sort_keys=True).replace("NaN", "0").encode())
    put("checkpoint-state", "plateau.json", json.dumps(dict(base, scheduleState=[0.5, 1.25, 2])).encode())


CONFIGS = {
    "simclr.yaml": """\
method:
  name: simclr
  temperature: 0.5
  projection:
    hidden_dim: 0
    output_dim: 128
backbone:
  name: resnet18
  cifar_stem: true
  width: 0.25
views:
  preset: simclr
  input_size: 32
  blur_prob: 0
data:
  path: data/train
  batch_size: 128
  drop_last: true
  workers: 2
optimizer:
  name: sgd
  lr: 0.03
  momentum: 0.9
  weight_decay: 0.0005
schedule:
  name: cosine
train:
  epochs: 12
  seed: 0
eval:
  data: data/test
  k: [20, 200]
  temperature: 0.1
  every: 12
""",
    "custom-views.yaml": """\
views:
  preset: custom
  views: 2
  augmentations:
    - {op: random_resized_crop, size: 32, scale: [0.2, 1.0]}
    - {op: horizontal_flip, p: 0.5}
    - {op: color_jitter, brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8}
    - {op: gaussian_blur, kernel_size: 3, sigma: [0.1, 2.0]}
    - op: normalize
optimizer: {name: adamw, lr: 1.5e-4, weight_decay: 0.05}
schedule: {name: cosine, warmup_epochs: 1, final: 0.01}
train: {epochs: 3, accumulate: 2, clip_grad: 1.0, stop_after: 1}
""",
    "anchors.yaml": """\
defaults: &d
  batch_size: 64
  workers: 0
data:
  <<: *d
  synthetic_count: 256
  synthetic_size: 16
eval: {data: synthetic, k: 5, at_start: no}
schedule: {name: plateau, factor: 0.5, patience: 2}
optimizer: {name: lars, lr: 0.3, momentum: 0.9}
""",
}


def configs():
    for name, text in CONFIGS.items():
        put("config", name, text.encode())


if __name__ == "__main__":
    images(); weights(); states(); configs()
    for target in sorted(os.listdir(os.path.join(HERE, "Corpus"))):
        folder = os.path.join(HERE, "Corpus", target)
        files = os.listdir(folder)
        print(target, len(files), "files,", sum(os.path.getsize(os.path.join(folder, f)) for f in files), "bytes")
