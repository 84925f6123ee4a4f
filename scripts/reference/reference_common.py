"""Shared pieces of the PyTorch reference fixtures (batch, head, pooling, gradient sampling).

Run with the reference venv (see docs/reference.md); never imported by the Swift build.
Every fixture built from this module uses the same three texts, labels and classifier head, so the
Swift tests can share one loader. All computations: CPU, float32, eval mode (dropout off), 2 threads.
"""

import json
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = REPO_ROOT / "models" / "all-MiniLM-L6-v2"
FIXTURE_DIR = REPO_ROOT / "Tests" / "DeniModelTests" / "Fixtures"

HIDDEN = 384
NUM_LABELS = 3
HEAD_SEED = 1234
GRAD_SAMPLES = 256
POOLINGS = ("pooler", "cls", "mean")

# Three examples: a short sentence, a longer one with punctuation and accents, and a sentence pair.
EXAMPLES = [
    {"text": "The movie was great!", "text_pair": None},
    {
        "text": "Naïve café-goers, in São Paulo (2019), didn't expect \"über\" prices: 12.50€ a cup?!",
        "text_pair": None,
    },
    {"text": "How old is the Eiffel Tower?", "text_pair": "It was completed in 1889 for the World's Fair."},
]
LABELS = [0, 2, 1]


def setup_torch() -> None:
    """Deterministic single-process CPU settings used by every reference script."""
    torch.set_num_threads(2)
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)


def load_tokenizer():
    """The HF fast tokenizer from tokenizer.json, with its fixed padding (to 128) and truncation switched off."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def make_batch() -> dict:
    """Tokenize EXAMPLES and pad to the longest with [PAD] = 0 (mask 0, token type 0)."""
    tok = load_tokenizer()
    encs = [tok.encode(e["text"], e["text_pair"]) if e["text_pair"] else tok.encode(e["text"]) for e in EXAMPLES]
    length = max(len(e.ids) for e in encs)
    ids = torch.zeros(len(encs), length, dtype=torch.int64)
    mask = torch.zeros_like(ids)
    types = torch.zeros_like(ids)
    for i, e in enumerate(encs):
        n = len(e.ids)
        ids[i, :n] = torch.tensor(e.ids)
        mask[i, :n] = torch.tensor(e.attention_mask)
        types[i, :n] = torch.tensor(e.type_ids)
    return {
        "input_ids": ids,
        "attention_mask": mask,
        "token_type_ids": types,
        "labels": torch.tensor(LABELS, dtype=torch.int64),
    }


def make_head() -> torch.nn.Linear:
    """The fixed classifier head: weight ~ N(0, 0.02), bias ~ N(0, 0.01), drawn in that order after manual_seed(1234)."""
    gen = torch.Generator().manual_seed(HEAD_SEED)
    head = torch.nn.Linear(HIDDEN, NUM_LABELS)
    with torch.no_grad():
        head.weight.copy_(torch.randn(NUM_LABELS, HIDDEN, generator=gen) * 0.02)
        head.bias.copy_(torch.randn(NUM_LABELS, generator=gen) * 0.01)
    return head


def load_bert():
    """BertModel (with pooler) from the model folder, eager attention, float32, eval mode."""
    from transformers import BertModel

    model = BertModel.from_pretrained(
        str(MODEL_DIR), add_pooling_layer=True, attn_implementation="eager", torch_dtype=torch.float32
    )
    model.eval()
    return model


def pool(pooling: str, outputs, attention_mask: torch.Tensor) -> torch.Tensor:
    """pooler = tanh(dense(h[:, 0])) (HF's pooler_output); cls = h[:, 0]; mean = masked mean over the mask."""
    h = outputs.last_hidden_state
    if pooling == "pooler":
        return outputs.pooler_output
    if pooling == "cls":
        return h[:, 0]
    if pooling == "mean":
        m = attention_mask.to(h.dtype).unsqueeze(-1)
        return (h * m).sum(dim=1) / m.sum(dim=1)
    raise ValueError(f"unknown pooling {pooling!r}")


def head_loss(head: torch.nn.Linear, pooled: torch.Tensor, labels: torch.Tensor):
    """logits = pooled @ W.T + b; loss = mean cross-entropy over the batch."""
    logits = head(pooled)
    return logits, F.cross_entropy(logits, labels)


def sample_indices(name: str, grad: torch.Tensor, batch: dict) -> np.ndarray:
    """Sorted flat indices, k = min(numel, GRAD_SAMPLES), from numpy default_rng(crc32(name)).

    Embedding tables only get gradient in the rows the batch uses, so indices are drawn inside those rows:
    word embeddings -> rows of token ids at unmasked positions ([PAD] rows get no gradient); position embeddings -> rows 0..L-1.
    """
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    numel = grad.numel()
    if name.endswith("word_embeddings.weight") or name.endswith("position_embeddings.weight"):
        width = grad.shape[1]
        if name.endswith("word_embeddings.weight"):
            ids = batch["input_ids"].numpy()
            rows = np.unique(ids[batch["attention_mask"].numpy() == 1])
        else:
            rows = np.arange(batch["input_ids"].shape[1])
        pool_ = (rows[:, None] * width + np.arange(width)[None, :]).reshape(-1)
    else:
        pool_ = np.arange(numel)
    k = min(len(pool_), GRAD_SAMPLES)
    return np.sort(rng.choice(pool_, size=k, replace=False)).astype(np.int64)


def grad_entries(prefix: str, name: str, grad: torch.Tensor, batch: dict) -> dict:
    """`<prefix>.<name>.norm` (F32 [1], L2 in float64), `.index` (I64 [k]) and `.value` (F32 [k])."""
    idx = sample_indices(name, grad, batch)
    flat = grad.detach().reshape(-1)
    return {
        f"{prefix}.{name}.norm": torch.tensor([flat.double().norm().item()], dtype=torch.float32),
        f"{prefix}.{name}.index": torch.from_numpy(idx),
        f"{prefix}.{name}.value": flat[torch.from_numpy(idx)].float().clone(),
    }


def analytically_zero(name: str) -> bool:
    """Attention key biases add the same score to every key of a query row, which softmax cancels: their gradient
    is exactly zero in exact arithmetic, so PyTorch's values (~1e-9) are rounding noise to test absolutely."""
    return name.endswith("attention.self.key.bias")


def batch_metadata(batch: dict, description: str, poolings) -> dict:
    """The metadata keys every fixture shares (all values are strings, as safetensors requires)."""
    return {
        "texts": json.dumps(EXAMPLES, ensure_ascii=False),
        "max_length": str(batch["input_ids"].shape[1]),
        "num_labels": str(NUM_LABELS),
        "pooling_modes": ",".join(poolings),
        "head_init": "torch.Generator().manual_seed(1234); weight = randn(3,384)*0.02; bias = randn(3)*0.01",
        "grad_index_rng": "numpy default_rng(zlib.crc32(param_name)), k = min(numel, 256), sorted, no replacement",
        "description": description,
        "tolerances": "hidden/pooled/logits 1e-4 abs; loss 1e-5 abs; grad relative L2 <= 1e-3 over the sampled "
        "values and for the norm; analytically-zero grads (key biases): norm < 1e-6 abs",
        "torch_version": torch.__version__,
    }


def file_size_ok(path: Path, limit_mb: float = 3.0) -> None:
    size = path.stat().st_size
    print(f"wrote {path.relative_to(REPO_ROOT)}: {size / 1e6:.2f} MB")
    if size > limit_mb * 1e6:
        raise SystemExit(f"{path} is {size / 1e6:.2f} MB, over the {limit_mb} MB limit")


def record_gradients(model, head, forward, batch: dict, trainable, poolings, tensors: dict, meta: dict) -> None:
    """For each pooling: loss of the fixed head, backward, and the sampled gradient of every trainable tensor
    (`trainable` = [(name, parameter)]) into `tensors`; tensors without a gradient are listed in meta."""
    for p in poolings:
        model.zero_grad(set_to_none=True)
        head.zero_grad(set_to_none=True)
        out = forward(model, batch)
        _, loss = head_loss(head, pool(p, out, batch["attention_mask"]), batch["labels"])
        loss.backward()
        assert torch.allclose(loss.reshape(1), tensors[f"loss.{p}"], atol=1e-6)
        no_grad = []
        for name, t in trainable:
            if t.grad is None:
                no_grad.append(name)
                continue
            tensors.update(grad_entries(f"grad.{p}", name, t.grad, batch))
        meta[f"no_grad.{p}"] = json.dumps(no_grad)
        print(f"  {p}: loss {loss.item():.6f}, no grad: {no_grad}")
