"""Write Tests/DeniModelTests/Fixtures/model_parity.safetensors: the PyTorch oracle for the Swift BERT.

Usage: /path/to/ref-venv/bin/python scripts/reference/make_model_fixtures.py
Contents (every key) are described in docs/reference.md.
"""

import json

import torch
from safetensors.torch import save_file

import reference_common as rc

GRAD_POOLINGS = ("pooler", "mean")


def main() -> None:
    rc.setup_torch()
    batch = rc.make_batch()
    head = rc.make_head()
    model = rc.load_bert()

    tensors = {k: v.contiguous() for k, v in batch.items()}
    tensors["head.weight"] = head.weight.detach().clone()
    tensors["head.bias"] = head.bias.detach().clone()
    meta = rc.batch_metadata(
        batch,
        "all-MiniLM-L6-v2 BertModel in eval mode: hidden states, pooled vectors, logits, cross-entropy loss and "
        "full fine-tuning gradients (every base tensor + head) for a fixed batch and head",
        rc.POOLINGS,
    )

    with torch.no_grad():
        out = model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            token_type_ids=batch["token_type_ids"],
            output_hidden_states=True,
        )
        assert len(out.hidden_states) == 7
        for i, h in enumerate(out.hidden_states):
            tensors[f"hidden.{i}"] = h.contiguous().clone()
        for p in rc.POOLINGS:
            pooled = rc.pool(p, out, batch["attention_mask"])
            logits, loss = rc.head_loss(head, pooled, batch["labels"])
            tensors[f"pooled.{p}"] = pooled.contiguous().clone()
            tensors[f"logits.{p}"] = logits.contiguous().clone()
            tensors[f"loss.{p}"] = loss.reshape(1).clone()

    base_names = [n for n, _ in model.named_parameters()]
    meta["base_parameters"] = json.dumps(base_names)
    meta["analytically_zero_grads"] = json.dumps([n for n in base_names if rc.analytically_zero(n)])
    for p in GRAD_POOLINGS:
        model.zero_grad(set_to_none=True)
        head.zero_grad(set_to_none=True)
        out = model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            token_type_ids=batch["token_type_ids"],
        )
        _, loss = rc.head_loss(head, rc.pool(p, out, batch["attention_mask"]), batch["labels"])
        loss.backward()
        # Same forward under autograd must reproduce the no-grad loss.
        assert torch.allclose(loss.reshape(1), tensors[f"loss.{p}"], atol=1e-6)
        no_grad = []
        params = list(model.named_parameters()) + [("head." + n, t) for n, t in head.named_parameters()]
        for name, t in params:
            if t.grad is None:
                no_grad.append(name)
                continue
            tensors.update(rc.grad_entries(f"grad.{p}", name, t.grad, batch))
        meta[f"no_grad.{p}"] = json.dumps(no_grad)
        print(f"{p}: loss {loss.item():.6f}, {len(params) - len(no_grad)} grads, no grad: {no_grad}")

    path = rc.FIXTURE_DIR / "model_parity.safetensors"
    save_file(tensors, str(path), metadata=meta)
    rc.file_size_ok(path)


if __name__ == "__main__":
    main()
