// BERT model: tokenizer, checkpoint I/O, layers, adapters.
