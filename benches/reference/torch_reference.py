#!/usr/bin/env python3
"""PyTorch reference for burn-init's benchmarks: the same work, on this machine.

    python3 benches/reference/torch_reference.py [--mnist DIR] [--threads N] [--quick]
                                                 [--only fills,orthogonal,training] [--out FILE]
                                                 [--device cpu|cuda]

Runs, when `import torch` works (`--only` picks parts; the benches run it this way as a
subprocess to print PyTorch's figures beside theirs):
  * fills of n×n f32 tensors (n = 1024, 4096, 8192): torch.empty + fill_ (memset baseline),
    uniform_, normal_, trunc_normal_(±2σ), xavier_uniform_, xavier_normal_, kaiming_normal_;
    median of 7 (3 at 8192);
  * orthogonal_ at 512², 1024², 2048²;
  * training throughput: one epoch of a 784-256-256-256-10 tanh MLP, batch 128, SGD lr 0.1,
    nn.Linear's default init, inputs (x/255 − 0.1307)/0.3081 — the job of
    `cargo run --release -p experiments -- throughput --data-dir DIR`. With --mnist DIR
    (train-images-idx3-ubyte[.gz] …) on real MNIST (prints mean epoch loss, train loss after the
    epoch, test accuracy); without it on random data of MNIST's shape (samples/s only).

With --device cuda every tensor (and the training job's model and data) lives on the GPU and each
timing ends with torch.cuda.synchronize(); without a CUDA device it says so and exits 0.

Prints a table and writes bench-results/reference.json (machine, versions, threads, rows).
Without torch it says so and exits 0, so scripts can call it unconditionally.
"""
import argparse
import gzip
import json
import os
import platform
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


SYNC = lambda: None  # noqa: E731 - torch.cuda.synchronize with --device cuda


def median_secs(fn, reps):
    fn()  # warm-up
    SYNC()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        SYNC()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def read_idx(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return magic, shape, data[4 + 4 * dims:]


def find(dir_, stem):
    # DIR/NAME[.gz], or burn-dataset's cache layout DIR/train/NAME[.gz], DIR/test/NAME[.gz].
    sub = "train" if stem.startswith("train") else "test"
    for folder in (Path(dir_), Path(dir_) / sub):
        for name in (stem, stem + ".gz"):
            p = folder / name
            if p.is_file():
                return p
    raise FileNotFoundError(f"{stem}[.gz] not in {dir_} nor {Path(dir_) / sub}")


def load_mnist(dir_, torch):
    def split(images, labels):
        _, (n, r, c), x = read_idx(find(dir_, images))
        _, (m,), y = read_idx(find(dir_, labels))
        assert n == m, f"{n} images, {m} labels"
        x = torch.frombuffer(bytearray(x), dtype=torch.uint8).reshape(n, r * c).float()
        y = torch.frombuffer(bytearray(y), dtype=torch.uint8).long()
        return (x / 255.0 - 0.1307) / 0.3081, y
    return split("train-images-idx3-ubyte", "train-labels-idx1-ubyte"), split(
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def training(args, torch, row):
    """One epoch of the throughput job (see the module docstring); a row "training"."""
    if args.mnist:
        (xtr, ytr), (xte, yte) = load_mnist(args.mnist, torch)
        dataset = "mnist"
    else:
        xtr, ytr = torch.randn(60000, 784), torch.randint(0, 10, (60000,))
        xte, yte = torch.randn(10000, 784), torch.randint(0, 10, (10000,))
        dataset = "random (MNIST-shaped)"
    dev = torch.get_default_device()  # cuda with --device cuda
    xtr, ytr, xte, yte = (t.to(dev) for t in (xtr, ytr, xte, yte))
    def mlp():
        return torch.nn.Sequential(
            torch.nn.Linear(784, 256), torch.nn.Tanh(),
            torch.nn.Linear(256, 256), torch.nn.Tanh(),
            torch.nn.Linear(256, 256), torch.nn.Tanh(),
            torch.nn.Linear(256, 10))
    loss_fn = torch.nn.CrossEntropyLoss()
    # 20 minibatches on a throwaway model first (as `experiments throughput`): one-time costs
    # (CUDA context and kernels, allocator) stay out of the timed epoch.
    warm = mlp()
    warm_opt = torch.optim.SGD(warm.parameters(), lr=0.1)
    for i in range(0, min(20 * 128, xtr.shape[0]), 128):
        warm_opt.zero_grad(set_to_none=True)
        loss_fn(warm(xtr[i:i + 128]), ytr[i:i + 128]).backward()
        warm_opt.step()
    SYNC()
    # --training-repeats N: N fresh models, one timed epoch each; samples/s from the median
    # epoch (the benches compare it with criterion's median), losses and accuracy of the first.
    times, first = [], None
    for _ in range(max(1, args.training_repeats)):
        model = mlp()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        order = torch.randperm(xtr.shape[0])
        start = time.perf_counter()
        total, seen = 0.0, 0
        for i in range(0, xtr.shape[0], 128):
            idx = order[i:i + 128]
            x, y = xtr[idx], ytr[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        SYNC()
        times.append(time.perf_counter() - start)
        if first is None:
            first = (model, total, seen)
    model, total, seen = first
    secs = sorted(times)[len(times) // 2]
    with torch.no_grad():
        train_loss = loss_fn(model(xtr), ytr).item()
        test_acc = (model(xte).argmax(1) == yte).float().mean().item()
    row("training", f"MLP 784-256³-10 tanh, one epoch ({dataset})", secs, None, {
        "samples_per_second": seen / secs, "mean_epoch_loss": total / seen,
        "train_loss_after": train_loss, "test_accuracy": test_acc, "dataset": dataset,
        "timed_epochs": len(times), "epoch_seconds_all": times})
    print(f"training: {seen / secs:,.0f} samples/s; mean epoch loss {total / seen:.3f}, "
          f"train loss after {train_loss:.3f}, test accuracy {100 * test_acc:.1f} %")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mnist", help="folder with the MNIST IDX files")
    ap.add_argument("--training-repeats", type=int, default=1,
                    help="training: time this many fresh epochs, report the median (default 1)")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    ap.add_argument("--quick", action="store_true", help="1024² and 4096² only, 3 repetitions")
    ap.add_argument("--only", default="fills,orthogonal,training",
                    help="comma-separated parts to run: fills, orthogonal, training")
    ap.add_argument("--out", default=str(ROOT / "bench-results" / "reference.json"))
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                    help="where tensors live (cuda: the first GPU)")
    args = ap.parse_args()
    parts = set(args.only.split(","))
    unknown = parts - {"fills", "orthogonal", "training"}
    if unknown:
        ap.error(f"unknown part(s) {sorted(unknown)}; choose from fills, orthogonal, training")
    try:
        import torch
    except ImportError:
        print("torch is not installed (pip install torch); nothing to compare with. Skipping.")
        return 0
    if args.device == "cuda":
        if not torch.cuda.is_available():
            print("torch sees no CUDA device; nothing to compare with on the GPU. Skipping.")
            return 0
        global SYNC
        SYNC = torch.cuda.synchronize
        torch.set_default_device("cuda")
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = []

    def row(group, name, secs, nbytes=None, extra=None):
        r = {"group": group, "name": name, "median_ms": secs * 1e3}
        if nbytes:
            r["bytes"] = nbytes
            r["gb_per_s"] = nbytes / secs / 1e9
        r.update(extra or {})
        rows.append(r)
        rate = f"{r['gb_per_s']:8.2f} GB/s" if nbytes else ""
        print(f"{group:<10} {name:<36} {secs * 1e3:10.2f} ms {rate}")

    sizes = [1024, 4096] if args.quick else [1024, 4096, 8192]
    for n in (sizes if "fills" in parts else []):
        reps = 3 if (args.quick or n >= 8192) else 7
        nbytes = n * n * 4
        g = f"fill {n}²"
        row(g, "torch.empty + fill_ (memset)", median_secs(lambda: torch.empty(n, n).fill_(0.5), reps), nbytes)
        t = torch.empty(n, n)
        row(g, "fill_ of an existing tensor", median_secs(lambda: t.fill_(0.5), reps), nbytes)
        cases = [
            ("uniform_", lambda x: torch.nn.init.uniform_(x, -0.1, 0.1)),
            ("normal_", lambda x: torch.nn.init.normal_(x, 0.0, 0.02)),
            ("trunc_normal_ (±2σ)", lambda x: torch.nn.init.trunc_normal_(x, 0.0, 1.0, -2.0, 2.0)),
            ("xavier_uniform_", torch.nn.init.xavier_uniform_),
            ("xavier_normal_", torch.nn.init.xavier_normal_),
            ("kaiming_normal_", lambda x: torch.nn.init.kaiming_normal_(x, nonlinearity="relu")),
        ]
        for name, f in cases:
            row(g, name + " (new tensor)", median_secs(lambda: f(torch.empty(n, n)), reps), nbytes)
    for n in ([512, 1024, 2048] if "orthogonal" in parts else []):
        row("orthogonal", f"orthogonal_ {n}×{n}",
            median_secs(lambda: torch.nn.init.orthogonal_(torch.empty(n, n)), 3 if args.quick else 5), n * n * 4)

    if "training" in parts:
        training(args, torch, row)

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
    except Exception:  # noqa: BLE001 - provenance only
        commit = "unknown"
    record = {
        "bench": "torch_reference", "git_commit": commit, "torch_version": torch.__version__,
        "python": platform.python_version(), "machine": platform.machine(),
        "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
        "threads": torch.get_num_threads(), "device": args.device,
        "gpu": torch.cuda.get_device_name(0) if args.device == "cuda" else None, "unix_time": int(time.time()), "rows": rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2))
    tmp.replace(out)
    print(f"recorded in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
