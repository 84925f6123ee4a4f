"""PyTorch side of `deni bench engine`: training-step and evaluation throughput on CPU, and the end-to-end run.

Usage: /path/to/ref-venv/bin/python scripts/bench_pytorch.py [--quick] [--json] [--tuning full,lora,ia3]
       /path/to/adapters-venv/bin/python scripts/bench_pytorch.py --tuning unipelt
       .../python scripts/bench_pytorch.py --batches FILE      # the very batches deni ran (real padded data)
       .../python scripts/bench_pytorch.py --e2e FILE          # `deni train`'s whole protocol run

For each tuning in {full, lora, ia3, unipelt}: BertModel (all-MiniLM-L6-v2) + mean pooling + dropout 0.3 + linear head,
Adam, train mode (dropout on) for training steps; no_grad + eval mode for evaluation.
Synthetic rows: random token ids without padding (mask all ones, token types 0), 6 classes. Each measurement runs
warm-up steps, then times a number of steps; examples/s = batch * timed steps / elapsed seconds.
--batches FILE: a JSON written by `deni bench` ({"threads", "workloads": [{"tuning", "kind", "data", "classes",
"batches": [{"ids": [[...]], "labels": [...]}]}]}); each batch is padded to its longest sequence, as deni pads it.
--precision bf16: every forward (and the loss) under torch.autocast("cpu", dtype=torch.bfloat16), PyTorch's own
mixed precision on CPU; rows then carry "precision": "bf16" (fp32, the default: "precision": "fp32").
--e2e FILE: a JSON with the training examples, the batch order of every step, the live-curve subset (evaluated after
each epoch) and the test split in evaluation buckets, and the hyperparameters; trains and evaluates exactly that
and prints {"setup_s", "train_s", "eval_s", "accuracy"} (the caller times the process from start to exit).
Output: a JSON list of rows {"tuning", "kind": "train"|"eval", "batch", "length", "examples_per_s",
"framework": "pytorch"} (plus "data" for --batches rows); without --json a readable table is printed first (to stderr).
"""

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "all-MiniLM-L6-v2"
NUM_CLASSES = 6
PRECISION = "fp32"


def autocast():
    """The forward's precision context: bf16 autocast for --precision bf16, nothing for fp32."""
    if PRECISION == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()
TRAIN_SHAPES = [(8, 50), (32, 64)]
EVAL_SHAPE = (64, 50)


class Classifier(torch.nn.Module):
    """Encoder -> masked mean pooling -> dropout -> linear head."""

    def __init__(self, encoder, classes=NUM_CLASSES, dropout=0.3):
        super().__init__()
        self.encoder = encoder
        self.dropout = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(384, classes)

    def forward(self, ids, mask):
        h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.to(h.dtype).unsqueeze(-1)
        pooled = (h * m).sum(1) / m.sum(1)
        return self.head(self.dropout(pooled))


def build(tuning: str, classes=NUM_CLASSES, lora=None, head_dropout=0.3) -> Classifier:
    from transformers import BertModel

    encoder = BertModel.from_pretrained(str(MODEL_DIR), torch_dtype=torch.float32)
    if tuning == "lora":
        from peft import LoraConfig, get_peft_model

        lora = lora or {"r": 64, "alpha": 64, "dropout": 0.1, "targets": ["query", "value"]}
        encoder = get_peft_model(
            encoder,
            LoraConfig(
                task_type="FEATURE_EXTRACTION",
                r=lora["r"],
                lora_alpha=lora["alpha"],
                use_rslora=True,
                lora_dropout=lora["dropout"],
                target_modules=lora["targets"],
                bias="all",
            ),
        )
    elif tuning == "ia3":
        from peft import IA3Config, get_peft_model

        encoder = get_peft_model(encoder, IA3Config(task_type="FEATURE_EXTRACTION"))
    elif tuning == "unipelt":
        # The `adapters` library's UniPELT as METHOD.md fixes it (the same ConfigUnion as
        # scripts/reference/make_unipelt_fixtures.py, at production widths); needs the adapters venv.
        import adapters
        from adapters import ConfigUnion, LoRAConfig, PrefixTuningConfig, SeqBnConfig

        adapters.init(encoder)
        encoder.add_adapter("unipelt", config=ConfigUnion(
            LoRAConfig(r=64, alpha=64, dropout=0.1, attn_matrices=["q", "v"], use_gating=True),
            PrefixTuningConfig(prefix_length=25, bottleneck_size=512, use_gating=True),
            SeqBnConfig(reduction_factor=16, use_gating=True),
        ))
        encoder.train_adapter("unipelt")
    elif tuning != "full":
        raise SystemExit(f"--tuning: unknown tuning {tuning!r} (expected full, lora, ia3 or unipelt)")
    return Classifier(encoder, classes, head_dropout)


def pad(seqs):
    """Token-id lists -> (ids, mask) padded with [PAD] = 0 to the longest, as deni's Batch pads."""
    length = max(len(x) for x in seqs)
    ids = torch.zeros((len(seqs), length), dtype=torch.long)
    mask = torch.zeros((len(seqs), length), dtype=torch.long)
    for i, x in enumerate(seqs):
        ids[i, : len(x)] = torch.tensor(x)
        mask[i, : len(x)] = 1
    return ids, mask


def run_batches(path: str, seconds: float) -> list:
    """Times the very batches deni ran, as deni times them: training steps over the batches in order (cycling)
    after 3 warm-up steps, for at least one pass and `seconds`; evaluation passes over all buckets after one
    warm-up pass, for at least one pass and `seconds`."""
    spec = json.loads(Path(path).read_text())
    torch.set_num_threads(spec["threads"])
    rows, models = [], {}
    for w in spec["workloads"]:
        key = (w["tuning"], w["classes"])
        if key not in models:
            models[key] = build(w["tuning"], w["classes"])
        model = models[key]
        batches = [(*pad(b["ids"]), torch.tensor(b["labels"])) for b in w["batches"]]
        count = sum(len(b["labels"]) for b in w["batches"])
        if w["kind"] == "train":
            model.train()
            opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-5)
            def step(b):
                opt.zero_grad(set_to_none=True)
                with autocast():
                    loss = F.cross_entropy(model(b[0], b[1]), b[2])
                loss.backward()
                opt.step()
            for b in batches[:3]:
                step(b)
            start, done, i = time.perf_counter(), 0, 0
            while i < len(batches) or time.perf_counter() - start < seconds:
                b = batches[i % len(batches)]
                step(b)
                done += len(b[2])
                i += 1
        else:
            model.eval()
            with torch.no_grad(), autocast():
                for b in batches:   # one warm-up pass: every bucket shape once (deni warms up the same way)
                    model(b[0], b[1])
                start, done = time.perf_counter(), 0
                while done == 0 or time.perf_counter() - start < seconds:
                    for b in batches:
                        model(b[0], b[1])
                    done += count
        eps = done / (time.perf_counter() - start)
        rows.append({"tuning": w["tuning"], "kind": w["kind"], "data": w["data"], "batch": max(len(b["labels"]) for b in w["batches"]),
                     "length": max(len(x) for b in w["batches"] for x in b["ids"]), "examples_per_s": round(eps, 2),
                     "framework": "pytorch", "precision": PRECISION})
    return rows


def run_e2e(path: str) -> dict:
    """`deni train`'s protocol on the same data and batch order: train, evaluate the live-curve subset after
    each epoch, evaluate the test split at the end (a linear decay of the learning rate to 0, Adam, no warmup)."""
    t0 = time.perf_counter()
    spec = json.loads(Path(path).read_text())
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    if spec["pooling"] != "mean":
        raise SystemExit("--e2e: only mean pooling is implemented")
    model = build(spec["tuning"], spec["classes"], spec["lora"], spec["head_dropout"])
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=spec["lr"])
    total = len(spec["steps"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (total - s) / total))
    train, per_epoch = spec["train"], total // spec["epochs"]

    def evaluate(examples, buckets):
        model.eval()
        correct = 0
        with torch.no_grad(), autocast():
            for idx in buckets:
                ids, mask = pad([examples[i]["ids"] for i in idx])
                pred = model(ids, mask).argmax(1)
                correct += sum(int(p) == examples[i]["label"] for p, i in zip(pred, idx))
        model.train()
        return correct / max(1, len(examples))

    t1 = time.perf_counter()
    eval_s = 0.0
    model.train()
    for step, idx in enumerate(spec["steps"], 1):
        ids, mask = pad([train[i]["ids"] for i in idx])
        labels = torch.tensor([train[i]["label"] for i in idx])
        opt.zero_grad(set_to_none=True)
        with autocast():
            loss = F.cross_entropy(model(ids, mask), labels)
        loss.backward()
        opt.step()
        sched.step()
        if step % per_epoch == 0 or step == total:
            e = time.perf_counter()
            evaluate(spec["eval_subset"], spec["eval_subset_batches"])
            eval_s += time.perf_counter() - e
    t2 = time.perf_counter()
    accuracy = evaluate(spec["test"], spec["test_batches"])
    t3 = time.perf_counter()
    return {"setup_s": round(t1 - t0, 2), "train_s": round(t2 - t1 - eval_s, 2), "eval_s": round(eval_s + t3 - t2, 2),
            "accuracy": round(100 * accuracy, 2), "framework": "pytorch", "precision": PRECISION}


def random_batch(gen, batch: int, length: int):
    ids = torch.randint(1000, 30522, (batch, length), generator=gen)
    ids[:, 0] = 101
    ids[:, -1] = 102
    labels = torch.randint(0, NUM_CLASSES, (batch,), generator=gen)
    return ids, torch.ones_like(ids), labels


def time_train(model, batch, length, warmup, steps, gen) -> float:
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=1e-5)
    data = [random_batch(gen, batch, length) for _ in range(warmup + steps)]
    start = 0.0
    for i, (ids, mask, labels) in enumerate(data):
        if i == warmup:
            start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with autocast():
            loss = F.cross_entropy(model(ids, mask), labels)
        loss.backward()
        opt.step()
    return batch * steps / (time.perf_counter() - start)


def time_eval(model, batch, length, warmup, steps, gen) -> float:
    model.eval()
    data = [random_batch(gen, batch, length) for _ in range(warmup + steps)]
    start = 0.0
    with torch.no_grad(), autocast():
        for i, (ids, mask, _) in enumerate(data):
            if i == warmup:
                start = time.perf_counter()
            model(ids, mask)
    return batch * steps / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 warm-up steps and 3 timed steps (2 for 32x64)")
    ap.add_argument("--json", action="store_true", help="print only the JSON rows")
    ap.add_argument("--tuning", default="full,lora,ia3", help="comma-separated subset of full,lora,ia3,unipelt")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", help="time the batches listed in this JSON file (written by deni bench)")
    ap.add_argument("--seconds", type=float, default=4, help="--batches: time each workload for at least this long")
    ap.add_argument("--e2e", help="run the protocol described in this JSON file (written by deni bench)")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32", help="bf16: forwards under CPU bf16 autocast")
    args = ap.parse_args()
    global PRECISION
    PRECISION = args.precision
    if args.e2e:
        print(json.dumps(run_e2e(args.e2e)))
        return
    if args.batches:
        print(json.dumps(run_batches(args.batches, args.seconds)))
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    warmup = 2 if args.quick else 3
    gen = torch.Generator().manual_seed(0)

    rows = []
    for tuning in args.tuning.split(","):
        model = build(tuning.strip())
        for batch, length in TRAIN_SHAPES:
            steps = (3 if batch * length < 1000 else 2) if args.quick else (10 if batch * length < 1000 else 5)
            eps = time_train(model, batch, length, warmup, steps, gen)
            rows.append({"tuning": tuning, "kind": "train", "batch": batch, "length": length,
                         "examples_per_s": round(eps, 2), "framework": "pytorch", "precision": PRECISION})
        batch, length = EVAL_SHAPE
        eps = time_eval(model, batch, length, warmup, 3 if args.quick else 10, gen)
        rows.append({"tuning": tuning, "kind": "eval", "batch": batch, "length": length,
                     "examples_per_s": round(eps, 2), "framework": "pytorch", "precision": PRECISION})
        if not args.json:
            for r in rows[-3:]:
                print(f"{r['tuning']:5} {r['kind']:5} {r['batch']:3}x{r['length']:<3} "
                      f"{r['examples_per_s']:8.2f} examples/s", file=sys.stderr)
    print(json.dumps(rows, indent=None if args.json else 1))


if __name__ == "__main__":
    main()
