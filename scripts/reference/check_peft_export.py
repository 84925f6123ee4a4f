#!/usr/bin/env python3
"""Development check of `deni train --save-peft DIR`: loads DIR with peft and compares logits.

    /work/ref/venv/bin/python scripts/reference/check_peft_export.py DIR [--base models/all-MiniLM-L6-v2]

Builds `PeftModel.from_pretrained(BertForSequenceClassification.from_pretrained(base, num_labels=C), DIR)` in
eval mode (CPU, float32, eager attention), runs it on the token ids stored in DIR/deni_check_logits.json (written
by the Swift side next to the adapter) and prints the largest absolute difference from the Swift logits.
Exits 1 when it exceeds --tolerance (default 1e-4) or when peft reports missing/unexpected adapter keys.
Only an export trained with pooling = pooler can match (BertForSequenceClassification classifies the pooler output).
"""
import argparse
import json
import os
import sys

import torch
from peft import PeftModel
from safetensors import safe_open
from transformers import BertForSequenceClassification


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="folder written by deni train --save-peft")
    ap.add_argument("--base", default=None, help="base model folder (default: base_model_name_or_path of adapter_config.json)")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()

    torch.set_num_threads(2)
    config = json.load(open(os.path.join(args.dir, "adapter_config.json")))
    check = json.load(open(os.path.join(args.dir, "deni_check_logits.json")))
    with safe_open(os.path.join(args.dir, "adapter_model.safetensors"), "pt") as f:
        meta = f.metadata() or {}
        keys = list(f.keys())
    base = args.base or config["base_model_name_or_path"]
    num_labels = int(meta["deni.num_labels"])
    print(f"{args.dir}: peft_type {config['peft_type']}, {len(keys)} tensors, pooling {meta.get('deni.pooling')}, "
          f"{num_labels} labels, base {base}")

    model = BertForSequenceClassification.from_pretrained(base, num_labels=num_labels, attn_implementation="eager")
    model = PeftModel.from_pretrained(model, args.dir)
    model.eval()
    # from_pretrained loads with strict=False; check that every saved key found a parameter.
    loaded = {n for n, _ in model.named_parameters()}
    missing_in_model = []
    for k in keys:
        rest = k[len("base_model.model."):]
        candidates = {
            "base_model.model." + rest,
            "base_model.model." + rest.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight"),
            "base_model.model." + rest.replace(".ia3_l", ".ia3_l.default"),
            "base_model.model." + rest.replace("classifier.", "classifier.modules_to_save.default.", 1),
        }
        if not candidates & loaded and not rest.startswith("classifier.modules_to_save.") and not rest.startswith("classifier.original_module."):
            missing_in_model.append(k)
    if missing_in_model:
        print("saved keys with no parameter in the peft model:", missing_in_model)

    def max_difference(verbose):
        worst = 0.0
        with torch.no_grad():
            for i, ex in enumerate(check["examples"]):
                ids = torch.tensor([ex["ids"]])
                types = torch.tensor([ex["type_ids"]])
                logits = model(input_ids=ids, token_type_ids=types, attention_mask=torch.ones_like(ids)).logits[0]
                ref = torch.tensor(ex["logits"], dtype=torch.float32)
                d = (logits - ref).abs().max().item()
                worst = max(worst, d)
                if verbose:
                    print(f"  example {i}: {len(ex['ids'])} tokens, peft {[round(v, 5) for v in logits.tolist()]}, "
                          f"swift {[round(v, 5) for v in ref.tolist()]}, max |diff| {d:.2e}")
        return worst

    worst = max_difference(True)
    ok = worst <= args.tolerance and not missing_in_model
    print(f"max |logit difference| over {len(check['examples'])} examples: {worst:.3e} "
          f"({'OK' if ok else 'FAIL'}, tolerance {args.tolerance:g})")
    # How much the adapter matrices/vectors themselves move the logits (so the agreement above means something):
    # the same comparison with LoRA B set to zero / IA3 vectors to one.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".lora_B." in name:
                p.zero_()
            elif ".ia3_l." in name:
                p.fill_(1.0)
    print(f"for scale: with the adapter switched off (LoRA B = 0 / IA3 = 1) the difference is {max_difference(False):.3e}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
