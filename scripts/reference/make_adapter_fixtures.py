"""Write lora_parity.safetensors and ia3_parity.safetensors: the peft oracle for the Swift LoRA and IA3 layers.

Usage: /path/to/ref-venv/bin/python scripts/reference/make_adapter_fixtures.py
Same batch and head as model_parity; adapter weights are set to seeded non-trivial values (LoRA B starts at
zero and IA3 at one in peft, which would make the adapters invisible) and saved under peft's state-dict names.
Every key is described in docs/reference.md.
"""

import json

import torch
from peft import IA3Config, LoraConfig, get_peft_model, get_peft_model_state_dict
from peft.tuners.ia3.layer import IA3Layer
from peft.tuners.lora.layer import LoraLayer
from safetensors.torch import save_file

import reference_common as rc

POOLINGS = ("pooler", "mean")
ADAPTER_SEED = 4321
LORA_RANK = 8
LORA_ALPHA = 8


def plain_name(peft_name: str) -> str:
    """`base_model.model.X.base_layer.bias` / `...lora_A.default.weight` -> `X.bias` / `...lora_A.weight`."""
    n = peft_name.removeprefix("base_model.model.")
    return n.replace(".default", "").replace(".base_layer", "")


def randomize_adapters(model) -> None:
    """LoRA A and B ~ N(0, 0.05); IA3 vectors ~ 1 + N(0, 0.1); drawn in named_parameters order from one seed."""
    gen = torch.Generator().manual_seed(ADAPTER_SEED)
    with torch.no_grad():
        for name, t in model.named_parameters():
            if ".lora_A." in name or ".lora_B." in name:
                t.copy_(torch.randn(t.shape, generator=gen) * 0.05)
            elif ".ia3_l." in name:
                t.copy_(1.0 + torch.randn(t.shape, generator=gen) * 0.1)


def build(tuning: str):
    """The peft-wrapped BertModel and a description of its adapter modules (as peft actually built them)."""
    base = rc.load_bert()
    if tuning == "lora":
        config = LoraConfig(
            task_type="FEATURE_EXTRACTION",
            r=LORA_RANK,
            lora_alpha=LORA_ALPHA,
            use_rslora=True,
            lora_dropout=0.0,
            target_modules=["query", "value"],
            bias="all",
        )
    else:
        config = IA3Config(task_type="FEATURE_EXTRACTION")
    model = get_peft_model(base, config)
    model.eval()
    randomize_adapters(model)
    modules = []
    for name, m in model.named_modules():
        if isinstance(m, LoraLayer):
            modules.append(
                {
                    "module": plain_name(name),
                    "r": m.r["default"],
                    "lora_alpha": m.lora_alpha["default"],
                    "scaling": m.scaling["default"],
                    "lora_A": list(m.lora_A["default"].weight.shape),
                    "lora_B": list(m.lora_B["default"].weight.shape),
                }
            )
        elif isinstance(m, IA3Layer):
            modules.append(
                {
                    "module": plain_name(name),
                    "feedforward": bool(m.is_feedforward),
                    "ia3_l": list(m.ia3_l["default"].shape),
                }
            )
    cfg = model.peft_config["default"]
    info = {
        "target_modules": sorted(cfg.target_modules),
        "modules": modules,
    }
    if tuning == "ia3":
        info["feedforward_modules"] = sorted(cfg.feedforward_modules)
    return model, info


def merged_copy(model, tuning: str):
    """A plain BertModel with each adapter folded into its Linear by the formulas docs/reference.md states:
    LoRA W' = W + s * B @ A; IA3 non-feedforward W' = diag(l) W, b' = l * b (output scaled, bias included);
    IA3 feedforward W' = W diag(l) (input scaled, bias untouched). Used to check those formulas against peft."""
    plain = rc.load_bert()
    modules = dict(plain.named_modules())
    with torch.no_grad():
        for name, m in model.named_modules():
            target = modules.get(plain_name(name))
            if isinstance(m, LoraLayer):
                delta = m.scaling["default"] * m.lora_B["default"].weight @ m.lora_A["default"].weight
                target.weight.add_(delta)
            elif isinstance(m, IA3Layer):
                l = m.ia3_l["default"].reshape(-1)
                if m.is_feedforward:
                    target.weight.mul_(l[None, :])
                else:
                    target.weight.mul_(l[:, None])
                    target.bias.mul_(l)
    return plain


def forward(model, batch):
    return model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        token_type_ids=batch["token_type_ids"],
    )


def make_fixture(tuning: str) -> None:
    rc.setup_torch()
    batch = rc.make_batch()
    head = rc.make_head()
    model, info = build(tuning)
    print(f"{tuning}: target_modules {info['target_modules']}")
    for m in info["modules"]:
        print("  ", m)

    tensors = {k: v.contiguous() for k, v in batch.items()}
    tensors["head.weight"] = head.weight.detach().clone()
    tensors["head.bias"] = head.bias.detach().clone()

    # Adapter tensors under peft's saved-adapter names (as in adapter_model.safetensors), plus the plain-name map.
    state = get_peft_model_state_dict(model)
    peft_names = {}
    for name, t in state.items():
        if ".lora_" in name or ".ia3_l" in name:
            tensors[name] = t.detach().contiguous().clone()
            peft_names[plain_name(name)] = name

    trainable = [(plain_name(n), t) for n, t in model.named_parameters() if t.requires_grad]
    trainable += [("head." + n, t) for n, t in head.named_parameters()]
    desc = {
        "lora": f"peft LoRA r={LORA_RANK} alpha={LORA_ALPHA} rslora (scale alpha/sqrt(r)) on query,value, bias=all",
        "ia3": "peft IA3 with peft's default BERT targets",
    }[tuning]
    meta = rc.batch_metadata(
        batch,
        f"all-MiniLM-L6-v2 + {desc}, eval mode; adapter weights set to seeded random values (seed {ADAPTER_SEED}: "
        "LoRA A,B ~ N(0,0.05); IA3 ~ 1+N(0,0.1)); logits, loss and gradients of every trainable tensor + head",
        POOLINGS,
    )
    meta["peft_version"] = __import__("peft").__version__
    meta["adapter_modules"] = json.dumps(info["modules"])
    meta["target_modules"] = json.dumps(info["target_modules"])
    if "feedforward_modules" in info:
        meta["feedforward_modules"] = json.dumps(info["feedforward_modules"])
    meta["peft_names"] = json.dumps(peft_names)
    meta["trainable"] = json.dumps({n: t.numel() for n, t in trainable})
    meta["trainable_count"] = str(sum(t.numel() for _, t in trainable))
    meta["trainable_tensors"] = str(len(trainable))
    meta["analytically_zero_grads"] = json.dumps([n for n, _ in trainable if rc.analytically_zero(n)])
    print(f"  trainable: {len(trainable)} tensors, {meta['trainable_count']} values (incl. head)")

    with torch.no_grad():
        out = forward(model, batch)
        tensors["hidden.6"] = out.last_hidden_state.contiguous().clone()
        for p in POOLINGS:
            pooled = rc.pool(p, out, batch["attention_mask"])
            logits, loss = rc.head_loss(head, pooled, batch["labels"])
            tensors[f"pooled.{p}"] = pooled.contiguous().clone()
            tensors[f"logits.{p}"] = logits.contiguous().clone()
            tensors[f"loss.{p}"] = loss.reshape(1).clone()

    with torch.no_grad():
        merged = forward(merged_copy(model, tuning), batch).last_hidden_state
        diff = (merged - tensors["hidden.6"]).abs().max().item()
        print(f"  merged-weights formula vs peft: max |diff| of last hidden state {diff:.2e}")
        assert diff < 1e-4, "the adapter formulas documented in docs/reference.md do not match peft"

    rc.record_gradients(model, head, forward, batch, trainable, POOLINGS, tensors, meta)

    path = rc.FIXTURE_DIR / f"{tuning}_parity.safetensors"
    save_file(tensors, str(path), metadata=meta)
    rc.file_size_ok(path)


def main() -> None:
    for tuning in ("lora", "ia3"):
        make_fixture(tuning)


if __name__ == "__main__":
    main()
