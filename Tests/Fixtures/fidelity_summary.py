"""Side-by-side summary of fidelity runs: Pretext run folders against Lightly result files, per seed and as
mean ± sd with Welch's t — the accounting behind the README's quality table (issues #14, #18).

    python3 Tests/Fixtures/fidelity_summary.py --pretext RUN_DIR ... --lightly RESULT.json ...

RUN_DIR: an `ssl-run` run folder (its metrics.jsonl: the epoch-0 record is the random-initialisation kNN, the
last record with knn20_top1 the final one; the seed from config.yaml). RESULT.json: what
`lightly_resumable.py` / `lightly_knn.py` / `lightly_extra_methods.py --json` write (random_init, pretrained,
loss per epoch, seed). Standard library only; a run without a final kNN yet is listed as unfinished and left
out of the means.
"""
import argparse, json, math, os, re, statistics, sys


def pretext_run(folder):
    records = []
    with open(os.path.join(folder, "metrics.jsonl")) as f:
        records = [json.loads(line) for line in f if line.strip()]
    seed = planned = None
    config = os.path.join(folder, "config.yaml")
    if os.path.exists(config):
        with open(config) as f:
            text = f.read()
        m = re.search(r"^\s*seed:\s*(\d+)", text, re.M)
        seed = int(m.group(1)) if m else None
        m = re.search(r"^train:[^\n]*\n(?:[ \t]+[^\n]*\n)*?[ \t]+epochs:\s*(\d+)", text, re.M)  # train.epochs
        planned = int(m.group(1)) if m else None
    knn = [r for r in records if "knn20_top1" in r]
    init = next((r for r in knn if r.get("epoch") == 0), None)
    # The final kNN is the one of the run's last epoch (a run evaluated every 10 epochs is not done at 10).
    final = knn[-1] if knn and knn[-1].get("epoch", 0) > 0 and knn[-1].get("epoch") == (planned or knn[-1]["epoch"]) else None
    losses = [r["epoch_loss"] for r in records if "epoch_loss" in r]
    return {"name": folder, "seed": seed, "epochs": len(losses),
            "init": init and 100 * init["knn20_top1"],
            "knn20": final and 100 * final["knn20_top1"], "knn200": final and 100 * final["knn200_top1"],
            "loss": losses[-1] if losses else None}


def lightly_result(path):
    if not os.path.exists(path):  # written when the run ends
        return {"name": path, "seed": None, "epochs": 0, "init": None, "knn20": None, "knn200": None, "loss": None}
    with open(path) as f:
        d = json.load(f)
    pre = d.get("pretrained") or {}
    return {"name": path, "seed": d.get("seed"), "epochs": len(d.get("loss", [])),
            "init": 100 * d["random_init"]["knn20"] if "random_init" in d else None,
            "knn20": 100 * pre["knn20"] if "knn20" in pre else None,
            "knn200": 100 * pre["knn200"] if "knn200" in pre else None,
            "loss": d["loss"][-1] if d.get("loss") else None}


def fmt(x, spec="5.1f"):
    return format(x, spec) if x is not None else "-".rjust(len(format(0, spec)))


def summarise(label, runs):
    print(f"{label}:")
    print("  seed  epochs  init kNN-20  kNN-20  kNN-200  last loss  run")
    for r in sorted(runs, key=lambda r: (r["seed"] is None, r["seed"])):
        print(f"  {fmt(r['seed'], '4d') if r['seed'] is not None else '   ?'}  {r['epochs']:6d}  {fmt(r['init']):>11}  "
              f"{fmt(r['knn20']):>6}  {fmt(r['knn200']):>7}  {fmt(r['loss'], '9.4f')}  {r['name']}"
              + ("" if r["knn20"] is not None else "  (unfinished)"))
    done = [r["knn20"] for r in runs if r["knn20"] is not None]
    if not done:
        return None
    sd = statistics.stdev(done) if len(done) > 1 else float("nan")
    print(f"  kNN-20 over {len(done)} run(s): {statistics.mean(done):.2f} ± {sd:.2f} % (median {statistics.median(done):.1f})")
    return done


def welch(a, b):
    """Welch's t for the difference of means a − b, with its degrees of freedom (nan when a side has < 2 runs)."""
    if len(a) < 2 or len(b) < 2:
        return float("nan"), float("nan")
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    t = (statistics.mean(a) - statistics.mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return t, df


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pretext", nargs="*", default=[], help="ssl-run run folders")
    ap.add_argument("--lightly", nargs="*", default=[], help="Lightly-side result JSON files")
    a = ap.parse_args(argv)
    p = summarise("Pretext", [pretext_run(d) for d in a.pretext]) if a.pretext else None
    l = summarise("Lightly", [lightly_result(f) for f in a.lightly]) if a.lightly else None
    if p and l:
        t, df = welch(p, l)
        print(f"difference of means (Pretext − Lightly): {statistics.mean(p) - statistics.mean(l):+.2f} points; "
              f"Welch t {t:.2f} (df {df:.1f})")


if __name__ == "__main__":
    sys.exit(main())
