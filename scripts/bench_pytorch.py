"""PyTorch side of `deni bench engine`: training-step and evaluation throughput on CPU (2 threads).

Usage: /path/to/ref-venv/bin/python scripts/bench_pytorch.py [--quick] [--json] [--tuning full,lora,ia3]
       /path/to/adapters-venv/bin/python scripts/bench_pytorch.py --tuning unipelt

For each tuning in {full, lora, ia3, unipelt}: BertModel (all-MiniLM-L6-v2) + mean pooling + dropout 0.3 + linear head
(6 classes), Adam (lr 1e-5), train mode (dropout on) for training steps; no_grad + eval mode for evaluation.
Inputs are random token ids without padding (mask all ones, token types 0). Each measurement runs warm-up steps,
then times a number of steps; examples/s = batch * timed steps / elapsed seconds.
Output: a JSON list of rows {"tuning", "kind": "train"|"eval", "batch", "length", "examples_per_s",
"framework": "pytorch"}; without --json a readable table is printed first (to stderr).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "all-MiniLM-L6-v2"
NUM_CLASSES = 6
TRAIN_SHAPES = [(8, 50), (32, 64)]
EVAL_SHAPE = (64, 50)


class Classifier(torch.nn.Module):
    """Encoder -> masked mean pooling -> dropout 0.3 -> linear head."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        self.dropout = torch.nn.Dropout(0.3)
        self.head = torch.nn.Linear(384, NUM_CLASSES)

    def forward(self, ids, mask):
        h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.to(h.dtype).unsqueeze(-1)
        pooled = (h * m).sum(1) / m.sum(1)
        return self.head(self.dropout(pooled))


def build(tuning: str) -> Classifier:
    from transformers import BertModel

    encoder = BertModel.from_pretrained(str(MODEL_DIR), torch_dtype=torch.float32)
    if tuning == "lora":
        from peft import LoraConfig, get_peft_model

        encoder = get_peft_model(
            encoder,
            LoraConfig(
                task_type="FEATURE_EXTRACTION",
                r=64,
                lora_alpha=64,
                use_rslora=True,
                lora_dropout=0.1,
                target_modules=["query", "value"],
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
    return Classifier(encoder)


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
        loss = F.cross_entropy(model(ids, mask), labels)
        loss.backward()
        opt.step()
    return batch * steps / (time.perf_counter() - start)


def time_eval(model, batch, length, warmup, steps, gen) -> float:
    model.eval()
    data = [random_batch(gen, batch, length) for _ in range(warmup + steps)]
    start = 0.0
    with torch.no_grad():
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
    args = ap.parse_args()
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
                         "examples_per_s": round(eps, 2), "framework": "pytorch"})
        batch, length = EVAL_SHAPE
        eps = time_eval(model, batch, length, warmup, 3 if args.quick else 10, gen)
        rows.append({"tuning": tuning, "kind": "eval", "batch": batch, "length": length,
                     "examples_per_s": round(eps, 2), "framework": "pytorch"})
        if not args.json:
            for r in rows[-3:]:
                print(f"{r['tuning']:5} {r['kind']:5} {r['batch']:3}x{r['length']:<3} "
                      f"{r['examples_per_s']:8.2f} examples/s", file=sys.stderr)
    print(json.dumps(rows, indent=None if args.json else 1))


if __name__ == "__main__":
    main()
