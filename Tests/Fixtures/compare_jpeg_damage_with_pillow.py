"""Damaged JPEGs: does Pretext's decoder refuse exactly the files Pillow refuses?

Encodes 40 CIFAR-10 training images as 64 px JPEGs (every third progressive), damages them (byte flips,
truncation, inserted or deleted bytes; seeded), decodes each with Pillow and with Pretext's codec (the
C shim in libPretext.so through ctypes) and prints every disagreement. Also writes the regression
fixtures of Tests/Fixtures/data/damaged (--write-fixtures).

    $PEER/bin/python Tests/Fixtures/compare_jpeg_damage_with_pillow.py --seed 1 --count 2000 \
        [--lib Plugins/.build/release/libPretext.so] [--write-fixtures]

2026-11-30, Pillow 11 (its own libjpeg-turbo 3.2) vs Debian's libjpeg-turbo 2.1.5: seeds 0, 1, 3, 7
(4 x 2000 files, 4,161 refused by Pillow): 0 disagreements. Before reading on to the end-of-image
marker (jpeg_finish_decompress) Pretext accepted 11 of seed 1's 1,060 that Pillow refuses.
"""
import argparse, ctypes, glob, io, os, random
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


class PxcImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("pixels", ctypes.c_void_p),
                ("format", ctypes.c_int), ("channels", ctypes.c_int), ("bit_depth", ctypes.c_int),
                ("progressive", ctypes.c_int), ("message", ctypes.c_char * 256)]


def damaged(seed, count, train):
    base = []
    for i, path in enumerate(sorted(glob.glob(os.path.join(train, "*", "*")))[:40]):
        buf = io.BytesIO()
        Image.open(path).convert("RGB").resize((64, 64)).save(buf, "JPEG", quality=85, progressive=i % 3 == 0)
        base.append(buf.getvalue())
    rng = random.Random(seed)
    for k in range(count):
        b = bytearray(rng.choice(base))
        kind = rng.randrange(4)
        if kind == 0:
            for _ in range(rng.randint(1, 10)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        elif kind == 1:
            b = b[:rng.randrange(2, len(b))]
        elif kind == 2:
            p = rng.randrange(len(b)); b[p:p] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 20)))
        else:
            p = rng.randrange(len(b)); del b[p:p + rng.randint(1, 40)]
        yield k, bytes(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1); ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--lib", default=os.path.join(HERE, "..", "..", "Plugins", ".build", "release", "libPretext.so"))
    ap.add_argument("--train", default=os.path.join(HERE, "..", "..", "..", "shared", "data", "cifar10", "train"))
    ap.add_argument("--write-fixtures", action="store_true")
    a = ap.parse_args()
    lib = ctypes.CDLL(a.lib)

    def pretext(b):
        im = PxcImage()
        status = lib.pxc_decode_memory(b, len(b), ctypes.byref(im))
        lib.pxc_image_free(ctypes.byref(im))
        return status, im.message.decode(errors="replace")

    def pillow(b):
        try:
            Image.open(io.BytesIO(b)).load()
            return None
        except Exception as e:  # noqa: BLE001 - any refusal counts
            return repr(e)[:120]

    refused = disagree = 0
    for k, b in damaged(a.seed, a.count, a.train):
        pe, (status, msg) = pillow(b), pretext(b)
        refused += pe is not None
        if (pe is not None) != (status != 0):
            disagree += 1
            print(k, "pillow:", pe, "| pretext:", status, msg)
    print(f"seed {a.seed}: {a.count} files, Pillow refuses {refused}, disagreements {disagree}")
    if a.write_fixtures:
        # seed 1 #1046, #1221: a damaged marker after the last scan (Pillow: "broken data stream");
        # seed 7 #1557: the data ends after the last scan without EOI being reachable (Pillow accepts).
        want = {(1, 1046): "marker-after-scans-1.jpg", (1, 1221): "marker-after-scans-2.jpg",
                (7, 1557): "eof-after-scans.jpg"}
        for seed in sorted({s for s, _ in want}):
            for k, b in damaged(seed, 2000, a.train):
                if (seed, k) in want:
                    with open(os.path.join(HERE, "data", "damaged", want[(seed, k)]), "wb") as f:
                        f.write(b)


if __name__ == "__main__":
    main()
