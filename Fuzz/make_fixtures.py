#!/usr/bin/env python3
"""Writes the fuzz harness's tiny model folder (Fuzz/Fixtures/model): a 2-layer BERT with hidden size 4,
random weights, in the layout of a Hugging Face folder (config.json, vocab.txt, tokenizer_config.json,
model.safetensors). Run once; the output is committed and is also the seed of the model entries."""
import json, os, random, struct

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Fixtures", "model")
os.makedirs(out, exist_ok=True)
vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "good", "bad", "movie", "##s", "##ing",
         "is", "not", "film", "great", "what", "who", "when", "?"]
V, H, L, I, P, T = len(vocab), 4, 2, 8, 16, 2
config = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute", "vocab_size": V,
          "hidden_size": H, "num_hidden_layers": L, "num_attention_heads": 2, "intermediate_size": I,
          "max_position_embeddings": P, "type_vocab_size": T, "layer_norm_eps": 1e-12,
          "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1}
tensors = [("embeddings.word_embeddings.weight", [V, H]), ("embeddings.position_embeddings.weight", [P, H]),
           ("embeddings.token_type_embeddings.weight", [T, H]), ("embeddings.LayerNorm.weight", [H]),
           ("embeddings.LayerNorm.bias", [H])]
for l in range(L):
    p = f"encoder.layer.{l}."
    for m, i, o in [("attention.self.query", H, H), ("attention.self.key", H, H), ("attention.self.value", H, H),
                    ("attention.output.dense", H, H), ("intermediate.dense", H, I), ("output.dense", I, H)]:
        tensors += [(p + m + ".weight", [o, i]), (p + m + ".bias", [o])]
    tensors += [(p + n, [H]) for n in ["attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
                                        "output.LayerNorm.weight", "output.LayerNorm.bias"]]
tensors += [("pooler.dense.weight", [H, H]), ("pooler.dense.bias", [H])]
rng = random.Random(20)
header, body = {}, b""
for name, shape in tensors:
    n = 1
    for d in shape: n *= d
    values = [1.0 if name.endswith("LayerNorm.weight") else rng.gauss(0, 0.05) for _ in range(n)]
    data = struct.pack(f"<{n}f", *values)
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(body), len(body) + len(data)]}
    body += data
h = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
h += b" " * ((8 - (8 + len(h)) % 8) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + body)
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump(config, f, indent=2, sort_keys=True); f.write("\n")
with open(os.path.join(out, "vocab.txt"), "w") as f:
    f.write("\n".join(vocab) + "\n")
with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
    json.dump({"do_lower_case": True, "strip_accents": None, "tokenizer_class": "BertTokenizer"}, f); f.write("\n")
