"""Training speed and accuracy of the NumPy CNN (``core.nn``) against PyTorch CPU, same network.

Usage::

    python benchmarks/bench_train.py                  # bundled sample + full-size layout, 3 epochs
    python benchmarks/bench_train.py --quick          # a few hundred images, 1 epoch (smoke test)
    python benchmarks/bench_train.py --full PATH      # full-size run on a real dataset file
    python benchmarks/bench_train.py --epochs 5 --batch-size 32 --no-torch
    python benchmarks/bench_train.py --threads 1      # BLAS and PyTorch on one thread each

Network (both sides): conv 8 kernels 5×5 (valid, with bias) → ReLU → max-pool 2×2 → flatten →
dense 10, softmax cross-entropy, Adam (lr 0.001), mini-batches of 64, images in [0, 1],
float32. The PyTorch column runs when ``torch`` can be imported (it is skipped otherwise) and
uses the same mini-batch order.

Datasets:

* ``sample``: the bundled MNIST sample, 1000 training and 200 validation digits;
* ``full-size``: 50,000 training images of 28×28. With ``--full PATH`` (an ``MNIST.npz`` with
  ``X_train``/``X_valid``, MNIST IDX files, or any labelled 28×28 dataset readable by
  ``core.datasets``) its first 50,000 training images are used and validation is its
  ``X_valid`` (or the images after the first 50,000). Without it, the 50,000 images are the
  bundled 1000 training digits, each shifted by up to ±2 pixels (50 copies, fixed seed), and
  validation is the 400 bundled validation and test digits, which training never sees: the
  timing is that of full-size MNIST, the accuracy only says how far 1000 real digits go.

``--threads N`` limits NumPy's BLAS (through ``threadpoolctl``, when installed) and PyTorch to
``N`` threads: on a machine busy with other work, fewer threads than cores avoid threads waiting
for each other.

Reported per dataset: seconds per training epoch (mean over the epochs, validation not
included), the ratio NumPy / PyTorch, and the validation accuracy after each epoch.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.datasets import load_dataset  # noqa: E402
from core.nn import Adam, accuracy, build_network, train  # noqa: E402

LAYERS = "conv:8x5x5,relu,maxpool:2"
FULL_SIZE = 50_000


def _as_unit_float(images):
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255
    return images.astype(np.float32)


def bundled_splits():
    path = ROOT / "resources" / "samples" / "mnist_sample.npz"
    with np.load(path, allow_pickle=False) as archive:
        return {k: archive[k] for k in archive.files}


def shifted_copies(images, labels, count, seed=0, reach=2):
    """``count`` images: copies of ``images`` each shifted by up to ``reach`` pixels."""
    rng = np.random.default_rng(seed)
    chosen = np.arange(count) % len(images)
    dy, dx = rng.integers(-reach, reach + 1, (2, count))
    h, w = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (reach, reach), (reach, reach)))
    out = np.empty((count, h, w), dtype=np.float32)
    for sy in range(-reach, reach + 1):
        for sx in range(-reach, reach + 1):
            which = np.flatnonzero((dy == sy) & (dx == sx))
            out[which] = padded[chosen[which], reach + sy:reach + sy + h, reach + sx:reach + sx + w]
    return out, labels[chosen]


def datasets(args):
    """``[(name, description, x_train, y_train, x_valid, y_valid)]``."""
    splits = bundled_splits()
    found = []
    if args.quick:
        return [("sample", "bundled MNIST sample (first 300 digits)", splits["X_train"][:300],
                 splits["Y_train"][:300], splits["X_valid"], splits["Y_valid"])]
    found.append(("sample", "bundled MNIST sample", splits["X_train"], splits["Y_train"],
                  splits["X_valid"], splits["Y_valid"]))
    if args.full:
        data = load_dataset(args.full)
        x, y = data.images, data.labels
        if y is None:
            raise SystemExit(f"{args.full} has no labels")
        if "X_valid" in data.alternatives:
            valid = data.load_alternative("X_valid")
            xv, yv = valid.images, valid.labels
            x, y = x[:FULL_SIZE], y[:FULL_SIZE]
        else:
            xv, yv = x[FULL_SIZE:], y[FULL_SIZE:]
            x, y = x[:FULL_SIZE], y[:FULL_SIZE]
        found.append(("full-size", f"{data.name}: first {len(x)} training images",
                      _as_unit_float(x), y, _as_unit_float(xv), yv))
    else:
        x, y = shifted_copies(splits["X_train"], splits["Y_train"], FULL_SIZE)
        found.append(("full-size", "50,000 shifted copies of the 1000 bundled training digits",
                      x, y, np.concatenate([splits["X_valid"], splits["X_test"]]),
                      np.concatenate([splits["Y_valid"], splits["Y_test"]])))
    return found


def run_numpy(x, y, xv, yv, epochs, batch_size, seed):
    net = build_network(LAYERS, x.shape[1:], 10, seed=seed)
    times, accs = [], []
    started = time.perf_counter()
    for step in train(net, Adam(lr=0.001), x, y, epochs=epochs, batch_size=batch_size,
                      seed=seed):
        if step.kind == "epoch":
            times.append(time.perf_counter() - started)
            accs.append(accuracy(net, xv, yv))
            started = time.perf_counter()
    return times, accs


def run_torch(x, y, xv, yv, epochs, batch_size, seed):
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(8 * 12 * 12, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).unsqueeze(1)
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    xvt = torch.from_numpy(np.ascontiguousarray(xv, dtype=np.float32)).unsqueeze(1)
    rng = np.random.default_rng(seed)
    times, accs = [], []
    for _ in range(epochs):
        started = time.perf_counter()
        order = rng.permutation(len(x))
        model.train()
        for b in range(0, len(x), batch_size):
            index = torch.from_numpy(np.sort(order[b:b + batch_size]))
            optimizer.zero_grad()
            loss = loss_fn(model(xt[index]), yt[index])
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - started)
        model.eval()
        with torch.no_grad():
            predicted = torch.cat([model(xvt[s:s + 1000]).argmax(1)
                                   for s in range(0, len(xvt), 1000)]).numpy()
        accs.append(float(np.mean(predicted == np.asarray(yv))))
    return times, accs


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 images, 1 epoch")
    parser.add_argument("--full", metavar="PATH", help="a real full-size labelled dataset file")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="limit BLAS and PyTorch to N threads (default: their own choice)")
    args = parser.parse_args(argv)
    if args.threads:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            print("threadpoolctl is not installed: NumPy's BLAS keeps its own thread count")
        else:
            threadpool_limits(args.threads)
            print(f"BLAS limited to {args.threads} thread(s)")
    epochs = 1 if args.quick else args.epochs
    with_torch = not args.no_torch and torch_available()
    if with_torch:
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    else:
        print("PyTorch: not available, its columns are skipped")
    print(f"NumPy {np.__version__}; network {LAYERS} → dense 10; Adam lr 0.001, batch "
          f"{args.batch_size}, {epochs} epoch(s)\n")
    header = (f"{'dataset':<10} {'train':>6} {'valid':>6} {'numpy s/epoch':>14} "
              f"{'torch s/epoch':>14} {'numpy/torch':>12}  numpy valid acc / epoch"
              f"{'':<6}  torch valid acc / epoch")
    rows = []
    for name, description, x, y, xv, yv in datasets(args):
        print(f"{name}: {description}; validation {len(xv)} images", flush=True)
        n_times, n_accs = run_numpy(x, y, xv, yv, epochs, args.batch_size, args.seed)
        t_times = t_accs = None
        if with_torch:
            t_times, t_accs = run_torch(x, y, xv, yv, epochs, args.batch_size, args.seed)
        rows.append((name, len(x), len(xv), n_times, n_accs, t_times, t_accs))
    print()
    print(header)
    for name, n, nv, n_times, n_accs, t_times, t_accs in rows:
        numpy_s = float(np.mean(n_times))
        torch_s = f"{np.mean(t_times):14.2f}" if t_times else f"{'—':>14}"
        ratio = f"{numpy_s / np.mean(t_times):11.2f}×" if t_times else f"{'—':>12}"
        n_acc = " ".join(f"{100 * a:5.1f}%" for a in n_accs)
        t_acc = " ".join(f"{100 * a:5.1f}%" for a in t_accs) if t_accs else "—"
        print(f"{name:<10} {n:>6} {nv:>6} {numpy_s:14.2f} {torch_s} {ratio}  {n_acc:<29}  {t_acc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
