"""Write unipelt_parity.safetensors: the `adapters` (1.3.0) oracle for the Swift UniPELT.

Usage (its own venv, see docs/reference.md): /work/ref/venv-adapters/bin/python scripts/reference/make_unipelt_fixtures.py
UniPELT as METHOD.md fixes it: ConfigUnion of gated LoRA (r 64, alpha 64, dropout 0.1, q and v), gated prefix
tuning (length 25, MLP reparametrisation) and a gated sequential bottleneck adapter (reduction factor 16).
Same batch and head as model_parity; every adapter tensor is redrawn from a seed (weights and biases
N(0, 0.05), the prefix embedding wte N(0, 1)) so that no part of the adapter is invisible (LoRA B starts at
zero), and saved under the `adapters` library's parameter names. Every key is described in docs/reference.md.
"""

import json

import torch
from safetensors.torch import load_file, save_file

import reference_common as rc

POOLINGS = ("pooler", "mean")
ADAPTER_SEED = 5678
NAME = "unipelt"


# The fixture shrinks two widths to stay under 3 MB (the production values, r 64 and prefix MLP 512, would store
# 13 MB of adapter weights); everything else is METHOD.md's UniPELT. The Swift side takes widths from the tensors.
FIXTURE_LORA_R = 8
FIXTURE_PREFIX_MLP = 32


def unipelt_config(lora_r: int = 64, prefix_mlp: int = 512):
    """METHOD.md's UniPELT (defaults = production widths)."""
    from adapters import ConfigUnion, LoRAConfig, PrefixTuningConfig, SeqBnConfig

    return ConfigUnion(
        LoRAConfig(r=lora_r, alpha=lora_r, dropout=0.1, attn_matrices=["q", "v"], use_gating=True),
        PrefixTuningConfig(prefix_length=25, bottleneck_size=prefix_mlp, use_gating=True),
        SeqBnConfig(reduction_factor=16, use_gating=True),
    )


def build():
    import adapters

    model = rc.load_bert()
    adapters.init(model)
    model.add_adapter(NAME, config=unipelt_config(FIXTURE_LORA_R, FIXTURE_PREFIX_MLP))
    model.train_adapter(NAME)  # freezes the base model, activates the adapter
    model.eval()
    gen = torch.Generator().manual_seed(ADAPTER_SEED)
    with torch.no_grad():
        for name, t in model.named_parameters():
            if t.requires_grad:
                std = 1.0 if name.endswith(".wte.weight") else 0.05
                t.copy_(torch.randn(t.shape, generator=gen) * std)
    return model


def manual_forward(params: dict, batch: dict) -> torch.Tensor:
    """UniPELT written out from the description in docs/reference.md (plain tensor ops, no `adapters` code),
    used to check that description against the library. params: the adapter model's named parameters."""
    import torch.nn.functional as F

    def lin(x, pre):
        return x @ params[pre + ".weight"].T + params[pre + ".bias"]

    def gate(x, pre):  # one scalar per example: mean over ALL positions (padding included) of sigmoid(w.x + b)
        return torch.sigmoid(lin(x, pre)).mean(dim=1)[:, 0]

    def ln(x, pre):
        return F.layer_norm(x, (x.shape[-1],), params[pre + ".weight"], params[pre + ".bias"], eps=1e-12)

    ids, mask, types = batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
    b, length = ids.shape
    pos = torch.arange(length)
    x = (params["embeddings.word_embeddings.weight"][ids] + params["embeddings.position_embeddings.weight"][pos]
         + params["embeddings.token_type_embeddings.weight"][types])
    x = ln(x, "embeddings.LayerNorm")
    pre = f"encoder.layer.0.attention.self.prefix_tuning.pool.prefix_tunings.{NAME}.self_prefix"
    prefix = lin(torch.tanh(lin(params[pre + ".wte.weight"], pre + ".control_trans.0")), pre + ".control_trans.2")
    n_prefix = prefix.shape[0]
    prefix = prefix.view(n_prefix, 12, 12, 32).permute(1, 2, 0, 3)  # [2 * layer + (0 key | 1 value), head, P, 32]
    additive = torch.cat([torch.zeros(b, n_prefix), (1.0 - mask.float()) * torch.finfo(torch.float32).min], dim=1)

    def heads(t):
        return t.view(b, -1, 12, 32).transpose(1, 2)

    for i in range(6):
        L = f"encoder.layer.{i}"
        att = f"{L}.attention.self"

        def lora(x, which):
            pre = f"{att}.{which}.loras.{NAME}"
            delta = x @ params[pre + ".lora_A"].T @ params[pre + ".lora_B"].T
            return lin(x, f"{att}.{which}") + gate(x, pre + ".gate")[:, None, None] * delta

        q, k, v = heads(lora(x, "query")), heads(lin(x, f"{att}.key")), heads(lora(x, "value"))
        g = gate(x, f"{att}.prefix_tuning.prefix_gates.{NAME}")[:, None, None, None]
        k = torch.cat([g * prefix[2 * i].expand(b, -1, -1, -1), k], dim=2)
        v = torch.cat([g * prefix[2 * i + 1].expand(b, -1, -1, -1), v], dim=2)
        probs = torch.softmax(q @ k.transpose(-1, -2) / 32 ** 0.5 + additive[:, None, None, :], dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(b, length, 384)
        a = ln(lin(ctx, f"{L}.attention.output.dense") + x, f"{L}.attention.output.LayerNorm")
        h = lin(F.gelu(lin(a, f"{L}.intermediate.dense")), f"{L}.output.dense")
        z = ln(h + a, f"{L}.output.LayerNorm")
        ad = f"{L}.output.adapters.{NAME}"
        up = lin(torch.relu(lin(z, ad + ".adapter_down.0")), ad + ".adapter_up")
        x = ln(gate(z, ad + ".gate")[:, None, None] * up + h + a, f"{L}.output.LayerNorm")
    return x


def forward(model, batch, **kw):
    return model(
        input_ids=batch["input_ids"],
        attention_mask=batch["attention_mask"],
        token_type_ids=batch["token_type_ids"],
        **kw,
    )


def main() -> None:
    rc.setup_torch()
    batch = rc.make_batch()
    head = rc.make_head()

    # The base model under this transformers version must agree with the model_parity fixture.
    with torch.no_grad():
        base = forward(rc.load_bert(), batch).last_hidden_state
    model = build()
    trainable = [(n, t) for n, t in model.named_parameters() if t.requires_grad]
    trainable += [("head." + n, t) for n, t in head.named_parameters()]
    for n, t in trainable:
        print(f"  {n} {tuple(t.shape)}")

    tensors = {k: v.contiguous() for k, v in batch.items()}
    tensors["head.weight"] = head.weight.detach().clone()
    tensors["head.bias"] = head.bias.detach().clone()
    for n, t in trainable:
        if not n.startswith("head."):
            tensors[n] = t.detach().contiguous().clone()

    import adapters
    import transformers

    meta = rc.batch_metadata(
        batch,
        f"all-MiniLM-L6-v2 + adapters UniPELT (gated LoRA on q,v, here r=alpha={FIXTURE_LORA_R} instead of 64; gated "
        f"prefix tuning length 25 with MLP reparametrisation, here MLP width {FIXTURE_PREFIX_MLP} instead of 512; gated "
        "sequential bottleneck, reduction 16), eval mode; adapter tensors redrawn "
        f"from seed {ADAPTER_SEED} (N(0,0.05), wte N(0,1)) and stored under their own names; hidden states, "
        "gates, logits, loss and gradients of every trainable tensor + head",
        POOLINGS,
    )
    meta["adapters_version"] = adapters.__version__
    meta["transformers_version"] = transformers.__version__
    meta["adapter_config"] = json.dumps(unipelt_config(FIXTURE_LORA_R, FIXTURE_PREFIX_MLP).to_dict())
    meta["trainable"] = json.dumps({n: t.numel() for n, t in trainable})
    meta["trainable_count"] = str(sum(t.numel() for _, t in trainable))
    meta["trainable_tensors"] = str(len(trainable))
    meta["analytically_zero_grads"] = "[]"
    print(f"  trainable: {len(trainable)} tensors, {meta['trainable_count']} values (incl. head)")

    with torch.no_grad():
        out = forward(model, batch, output_hidden_states=True, output_adapter_gating_scores=True)
        # First and last layer outputs only (all seven would break the size limit).
        tensors["hidden.1"] = out.hidden_states[1].contiguous().clone()
        tensors["hidden.6"] = out.hidden_states[6].contiguous().clone()
        # Gate values in (0, 1), one per example: F32 [B] under gate.<layer>.<lora_query|lora_value|prefix|adapter>.
        # `adapters` stacks the two LoRA gates of a layer as columns in forward order (query, then value).
        for layer, kinds in out.adapter_gating_scores[NAME].items():
            g = kinds["selfattn_lora"]
            tensors[f"gate.{layer}.lora_query"] = torch.from_numpy(g[:, 0].copy()).float()
            tensors[f"gate.{layer}.lora_value"] = torch.from_numpy(g[:, 1].copy()).float()
            tensors[f"gate.{layer}.prefix"] = torch.from_numpy(kinds["self_prefix"].copy()).float()
            tensors[f"gate.{layer}.adapter"] = torch.from_numpy(kinds["output_adapter"].copy()).float()
        for p in POOLINGS:
            pooled = rc.pool(p, out, batch["attention_mask"])
            logits, loss = rc.head_loss(head, pooled, batch["labels"])
            tensors[f"pooled.{p}"] = pooled.contiguous().clone()
            tensors[f"logits.{p}"] = logits.contiguous().clone()
            tensors[f"loss.{p}"] = loss.reshape(1).clone()
        manual = manual_forward(dict(model.named_parameters()), batch)
        manual_diff = (manual - tensors["hidden.6"]).abs().max().item()
        print(f"  documented formulas vs adapters: max |diff| of last hidden state {manual_diff:.2e}")
        assert manual_diff < 1e-4, "docs/reference.md's UniPELT description does not match the adapters library"
        # Ejecting the prefix MLP into a flat prefix (what happens when one saves the adapter) changes nothing.
        model.eject_prefix_tuning(NAME)
        flat = forward(model, batch).last_hidden_state
        eject_diff = (flat - tensors["hidden.6"]).abs().max().item()
        print(f"  prefix MLP vs ejected flat prefix: max |diff| {eject_diff:.2e}")
        assert eject_diff < 1e-5
        # The plain model under this transformers version agrees with model_parity (made with transformers 5).
        base_ref = load_file(str(rc.FIXTURE_DIR / "model_parity.safetensors"))["hidden.6"]
        base_diff = (base - base_ref).abs().max().item()
        print(f"  base model vs model_parity hidden.6: max |diff| {base_diff:.2e}")
        assert base_diff < 1e-5
    # Rebuild (ejection replaced the MLP parameters) for the gradients.
    model = build()
    trainable = [(n, t) for n, t in model.named_parameters() if t.requires_grad]
    trainable += [("head." + n, t) for n, t in head.named_parameters()]

    rc.record_gradients(model, head, forward, batch, trainable, POOLINGS, tensors, meta)

    path = rc.FIXTURE_DIR / "unipelt_parity.safetensors"
    save_file(tensors, str(path), metadata=meta)
    rc.file_size_ok(path)


if __name__ == "__main__":
    main()
