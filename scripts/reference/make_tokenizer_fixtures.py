#!/usr/bin/env python3
"""Reference fixtures for the Swift BERT tokenizer (Tests/DeniModelTests/Fixtures/tokenizer_*).

Run from the repository root with a Python that has only the `tokenizers` package:

    python3 -m venv /tmp/tokvenv && /tmp/tokvenv/bin/pip install tokenizers
    /tmp/tokvenv/bin/python scripts/reference/make_tokenizer_fixtures.py [--model DIR] [--data DIR]

It loads DIR/tokenizer.json (default models/all-MiniLM-L6-v2) with padding and truncation switched off and writes:

- tokenizer_cases.json: hand-written and generated strings meant to break a tokenizer, and sentence pairs
  truncated to a max_length; for each the reference tokens, ids and type_ids.
- tokenizer_codepoints.txt: for every Unicode scalar c, the reference's words for the text "a" + c + "a"
  (normaliser + pre-tokeniser), as ranges of code points that behave alike.
- tokenizer_lines_<name>.txt: for whole dataset files under DIR/data, one line per example:
  line number, sha256 of the line's text, reference ids. The dataset text itself is not stored.
"""
import argparse
import hashlib
import json
import random
import sys
import unicodedata
from pathlib import Path

from tokenizers import Tokenizer, __version__ as tokenizers_version

FIXTURES = Path("Tests/DeniModelTests/Fixtures")


def load_tokenizer(model_dir):
    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


# ---------------------------------------------------------------- hand-written strings

HAND_WRITTEN = [
    # empty, whitespace, controls
    "", " ", "   ", "\t", "\n", "\r\n", " \t\n\r ", "\u00a0", "\u3000", "\u2003\u2009\u200a", "\u2028\u2029",
    "\u1680x\u1680", "a\u0085b", "a\u000bb\u000cc", "a\u001cb\u001fc", "a\u0000b", "\u0000", "a\ufffdb", "\ufffd",
    "a\u0007b\u001bc", "del\u007fete", "a\u0080\u009fb", "zero\u200bwidth", "zero\u200cnon\u200djoiner",
    "\ufeffbom at start", "soft\u00adhyphen", "word\u2060joiner", "left\u200eto\u200fright", "\u202aembedded\u202c",
    "a\u2066isolate\u2069b", "tag\U000e0041\U000e007fend", "private\ue000use", "plane\U000f0000fifteen",
    "unassigned\u0378here", "noncharacter\ufffeand\uffff", "var\ufe0fsel", "mongolian\u180evowel",
    # case, accents, combining marks
    "Hello World", "HELLO WORLD", "hElLo WoRlD", "naïve café", "NAÏVE CAFÉ", "résumé", "Crème Brûlée", "Ångström",
    "e\u0301", "E\u0301\u0302\u0303", "a\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309",
    "\u0301leading combining", "ç ñ ü ö ä ß ẞ", "ﬁ ﬂ ﬃ ligatures", "Ǆ ǅ ǆ digraphs", "İstanbul ıi", "ΣΑΣ σας ΌΣΟΣ",
    "Ǻ ǻ Ǽ", "ŉ apostrophe n", "Ø ø Ł ł Đ đ Ħ ħ", "Þórr Æsir", "ﬀ", "Ⅻ ⅻ roman", "ⓐⓑⓒ Ⓐ", "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "Ｈｅｌｌｏ，ｗｏｒｌｄ！", "K Kelvin Å angstrom Ω ohm", "µ micro μ mu", "ſ long s", "ǰ", "ΐ ΰ", "ᾈ ᾼ ῼ",
    "Vietnamese: Tiếng Việt có dấu", "Polish: Zażółć gęślą jaźń", "Czech: Příliš žluťoučký kůň",
    "Turkish: Iğdır İzmir ŞİŞLİ", "German: Straße STRASSE", "Lithuanian: Į į", "Romanian: Ș ș Ț ț Ş ş",
    "Latin extended: ȷ ɐ ʃ ʒ ə", "Old: ſtraße", "Cherokee: ᏣᎳᎩ ꭰꭱ", "Georgian: ᲠᲐ რა", "Armenian: Հայերեն",
    "Deseret: 𐐀𐐨", "Adlam: 𞤀𞤢", "Osage: 𐒰𐓘",
    # scripts
    "你好，世界！", "我爱北京天安门", "中文English混合", "漢字かなカナ", "ひらがな カタカナ ｶﾀｶﾅ", "日本語のテキスト。",
    "한국어 텍스트", "안녕하세요", "ㄱㄴㄷ ᄀᄁ", "ภาษาไทย", "สวัสดีครับ", "العربية", "مَرْحَبًا", "שָׁלוֹם עולם",
    "हिन्दी", "नमस्ते दुनिया", "বাংলা", "தமிழ்", "తెలుగు", "ಕನ್ನಡ", "മലയാളം", "ગુજરાતી", "ਪੰਜਾਬੀ", "ଓଡ଼ିଆ",
    "සිංහල", "မြန်မာ", "ខ្មែរ", "ລາວ", "བོད་ཡིག", "ትግርኛ አማርኛ", "Ελληνικά", "Русский язык", "ЁЖИК ёжик",
    "Українська ї є ґ", "Српски Ђ ђ", "Монгол ᠮᠣᠩᠭᠣᠯ", "ꦗꦮ", "𠀀𠀁 ext B", "𪜀 ext C", "𫝀 ext D", "𫠠 ext E",
    "𬺰 ext F", "𰀀 ext G", "丽 compat 丽", "豈 更 車", "⺀ radicals ⼀", "〇 ideographic zero", "々〆〤",
    "ｱｲｳ halfwidth", "㍿ ㋿ squared", "㈱ parenthesized", "Yi: ꆈꌠꉙ", "Vai: ꕙꔤ", "Tifinagh: ⵜⵉⴼⵉⵏⴰⵖ",
    # emoji
    "😀", "I ❤️ NY", "👍🏽", "👍🏿👍🏻", "👨‍👩‍👧‍👦", "👩🏽‍💻", "🏳️‍🌈", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🇺🇸🇬🇧", "1️⃣ #️⃣ *️⃣",
    "☺ ☺️ ♥", "🥰 🥲 🫠 🫶", "emoji😀inside😀words", "😀😀😀😀😀", "✈️✈", "©️ ®️ ™", "⌚⌛", "🧑‍🤝‍🧑",
    "👁️‍🗨️", "💯🔥", "🤷‍♂️🤷‍♀️", "🐈‍⬛",
    # punctuation
    "Hello, world!", "what?!?!", "wait...", "wait……", "!!!!!!!!!!", "?!", "--", "—", "a–b—c", "a-b-c",
    "(parenthetical)", "[bracketed]", "{braced}", "<angled>", "«guillemets»", "‹single›", "„German“ quotes",
    "“curly” ‘quotes’", "it's", "it’s", "don't won't can't", "rock 'n' roll", "\"quoted\"", "'single'",
    "``ptb style''", "l'homme d'affaires", "O'Neil's", "a/b\\c|d", "x=y+z*2^3", "50% off", "$100.00", "€50 £30 ¥20",
    "#hashtag @mention", "a_b_c", "snake_case_name", "camelCaseName", "kebab-case-name", "~tilde`backtick",
    "¿Qué? ¡Sí!", "«Ça va?»", "§ 12 ¶ 3", "• bullet · middle", "※ reference", "〜 wave", "、。「」『』",
    "…", "‰ ‱", "†‡", "⁂", "﹏", "＿", "¦ broken bar", "¬ not", "° degree", "± plus", "× times ÷ divide",
    "½ ¼ ¾", "² ³ ¹", "¢ cent", "ª º ordinals", "¨ ´ ¸ spacing", "^caret^", "a...b", "...", ". . .",
    # numbers
    "123", "1,234,567.89", "3.14159", "1e10", "-42", "+1 (555) 123-4567", "2024-01-15", "12:30:45", "0x1F600",
    "1st 2nd 3rd 4th", "١٢٣ Arabic digits", "१२३ Devanagari digits", "௧௨௩", "一二三", "Ⅷ", "①②③", "¹²³",
    "123abc456", "007", "000000000000000000000000000000000000",
    # web-ish
    "https://www.example.com/path?query=1&b=2#frag", "http://localhost:8080", "ftp://files.example.org/a.txt",
    "www.example.co.uk", "user@example.com", "first.last+tag@sub.domain.org", "C:\\Users\\name\\file.txt",
    "/usr/local/bin/python3", "<html><body>Hi</body></html>", "&amp; &lt; &gt; &#39;", "{\"key\": \"value\"}",
    "SELECT * FROM t WHERE x = 1;", "def f(x): return x**2", "i++; j--;", "a && b || !c", "#include <stdio.h>",
    ":-) :( ;-) :P <3", "¯\\_(ツ)_/¯", "(╯°□°）╯︵ ┻━┻", "ʕ•ᴥ•ʔ",
    # WordPiece details
    "##", "###", "##ing", "un##able", "## ##", "#", "a#b", "##a##b", "unaffable", "unbelievably",
    "antidisestablishmentarianism", "pneumonoultramicroscopicsilicovolcanoconiosis", "supercalifragilisticexpialidocious",
    "xyzzyqwv", "qqqqqqqqq", "zzzz", "llanfairpwllgwyngyll", "tokenization", "TOKENIZATION", "Tokenizer",
    # special-token-like literal text
    "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", "[cls]", "[Cls]", "hello [CLS] world", "a[SEP]b", "[[CLS]]",
    "[CLS][SEP][PAD]", "[CLS ]", "[ CLS]", "[CLS", "CLS]", "[MASK]ed", "un[MASK]able", "[UNK][UNK]",
    "[unused0]", "[unused99]", "[CLS]\u0301", "[SEP]\u0300x", "text [SEP] more [MASK] text", "[ＣＬＳ]", "［CLS］",
    # the reference's Unicode versions: categories of 8.0, decomposition of 9.0, later characters untouched
    "a\u061db", "a\u09fdb", "a\u07fdb", "a\u0890b", "a\u08e2b", "a\u166db", "a\u1734b", "a\u1885\u1886b",
    "a\ua9bdb", "a\U000111c9b", "a\U0001171eb", "a\U00011938b", "a\u1df6\U0001d165b", "a\U0001e944\U0001d165b",
    "a\U0001d16d\U0001d165b", "a\u0898\u0301\U0001d165b", "\U0001fae8 \U0001f979 new emoji", "a\u2e5db",
    # misc
    "The quick brown fox jumps over the lazy dog.", "THE QUICK BROWN FOX", "a", "A", "I", "x y z",
    "new\nline", "tab\tseparated\tvalues", "multiple     spaces", "  leading and trailing  ",
    "mixed\u00a0nbsp\u2007figure\u202fnarrow", "ideographic\u3000space", "ogham\u1680space",
]


def long_words():
    out = []
    for n in (99, 100, 101, 150):
        out.append("a" * n)
    out += ["ab" * 50, "ab" * 50 + "c", "é" * 100, "é" * 101, "e\u0301" * 100, "E\u0301" * 101,
            "x" * 100 + " y", "word " + "z" * 120 + " end", "😀" * 101, "中" * 120, "한" * 40, "ß" * 101,
            "İ" * 60, "a" * 100 + "!" + "b" * 100, "-" * 150, "1234567890" * 11, "ﬁ" * 60, "\u200b".join("a" * 101)]
    return out


def generated(rng, count):
    """Random mixtures of the atoms below, joined by assorted separators."""
    atoms = ["hello", "World", "naïve", "CAFÉ", "e\u0301", "ñ", "ß", "İ", "Σ", "你好", "日本", "한국", "ไทย",
             "عربي", "हिन्दी", "😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "!", "?", "...", "'", "’", "\"", "(", ")", "-",
             "—", "[CLS]", "[SEP]", "##", "#", "@", "3.14", "1,000", "https://x.io/a?b=c", "a@b.com", "don't",
             "\u200b", "\u00ad", "\u0301", "\ufeff", "\x00", "\x07", "\ufffd", "unbelievable", "xqzj",
             "ＡＢＣ", "Ⅳ", "½", "µ", "Ω", "ﬁ", "ǅ", "\u3000", "\t", "\n", "Ş", "ё", "ŉ", "²"]
    seps = [" ", "", " ", "  ", "\u00a0", "\t", "\u200b", "-", "\u3000", "\n"]
    out = []
    for _ in range(count):
        n = rng.randint(1, 8)
        parts = []
        for _ in range(n):
            parts.append(rng.choice(atoms))
            parts.append(rng.choice(seps))
        out.append("".join(parts[:-1]))
    return out


def random_codepoint_strings(rng, count):
    """Strings of random scalars from assorted blocks (letters, marks, symbols, controls)."""
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x52F), (0x590, 0x6FF), (0x900, 0x97F),
              (0xE00, 0xE7F), (0x1100, 0x11FF), (0x1E00, 0x1FFF), (0x2000, 0x206F), (0x2100, 0x27BF),
              (0x3000, 0x30FF), (0x4E00, 0x4FFF), (0xAC00, 0xAD00), (0xFB00, 0xFB4F), (0xFE00, 0xFE6F),
              (0xFF00, 0xFFEF), (0x1F300, 0x1FAFF), (0x0, 0x1F), (0x80, 0x9F)]
    out = []
    for _ in range(count):
        chars = []
        for _ in range(rng.randint(1, 12)):
            lo, hi = rng.choice(blocks)
            chars.append(chr(rng.randint(lo, hi)))
        out.append("".join(chars))
    return out


PAIR_TEXTS = [
    ("How old are you?", "I am fine, thank you very much for asking."),
    ("The quick brown fox jumps over the lazy dog.", "A fast auburn fox leapt above a sleepy hound."),
    ("short", "a considerably longer second sentence with many more words in it than the first"),
    ("a considerably longer first sentence with many more words in it than the second", "short"),
    ("equal length one two three", "equal length four five six"),
    ("naïve café résumé", "CRÈME BRÛLÉE ÅNGSTRÖM"),
    ("你好世界我爱北京", "日本語のテキストです"),
    ("😀 emoji 👍🏽 test", "👨‍👩‍👧‍👦 family 🇺🇸 flag"),
    ("unbelievably antidisestablishmentarianism", "supercalifragilisticexpialidocious tokenization"),
    ("[CLS] literal [SEP] inside", "and [MASK] here"),
    ("", "only the second text has words in it"),
    ("only the first text has words in it", ""),
    ("", ""),
    ("one", "two"),
]


def pair_cases():
    cases = []
    for a, b in PAIR_TEXTS:
        for max_length in (3, 4, 5, 8, 12):
            cases.append((a, b, max_length))
    cases += [("a b c d e f g h i j", "k l m n o p q r s t", m) for m in (6, 7, 13, 23, 24)]
    cases += [("hello world", "foo bar", m) for m in (0, 1, 2)]          # below the 3 special tokens
    cases += [("hello world", "foo bar", None), ("naïve", "café", None)]
    return cases


def single_truncation_cases():
    texts = ["hello world foo bar", "naïve café résumé crème", "", "unbelievably long tokenization"]
    return [(t, None, m) for t in texts for m in (0, 1, 2, 3, 4, 6)]


# ---------------------------------------------------------------- writers

def write_cases(tok, path):
    rng = random.Random(20240515)
    singles = HAND_WRITTEN + long_words() + generated(rng, 150) + random_codepoint_strings(rng, 60)
    specs = [(s, None, None) for s in singles] + single_truncation_cases() + pair_cases()
    cases = []
    for text, pair, max_length in specs:
        if max_length is None:
            tok.no_truncation()
        else:
            tok.enable_truncation(max_length=max_length, strategy="longest_first")
        enc = tok.encode(text, pair) if pair is not None else tok.encode(text)
        cases.append({"text": text, "pair": pair, "max_length": max_length,
                      "tokens": enc.tokens, "ids": enc.ids, "type_ids": enc.type_ids})
    tok.no_truncation()
    doc = {"about": "reference encodings by Hugging Face tokenizers %s; made by scripts/reference/make_tokenizer_fixtures.py"
                    % tokenizers_version,
           "cases": cases}
    path.write_text(json.dumps(doc, ensure_ascii=True, indent=0) + "\n")
    print("%s: %d cases (%d with a pair)" % (path, len(cases), sum(c["pair"] is not None for c in cases)))


def write_codepoints(tok, path):
    """Line format: FIRST LAST WORDS (hex code points). WORDS are the reference words of "a" + c + "a",
    separated by spaces, each word's scalars as hex joined by '.', with '*' standing for c itself."""
    norm, pre = tok.normalizer, tok.pre_tokenizer

    def pattern(cp):
        ch = chr(cp)
        words = [w for w, _ in pre.pre_tokenize_str(norm.normalize_str("a" + ch + "a"))]
        return " ".join(".".join("*" if ord(x) == cp else "%X" % ord(x) for x in w) for w in words)

    lines = []
    first, current = 0, pattern(0)
    for cp in range(1, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        p = pattern(cp)
        if p != current:
            lines.append("%X %X %s" % (first, prev, current))
            first, current = cp, p
        prev = cp
    lines.append("%X %X %s" % (first, 0x10FFFF, current))
    header = ["# Reference words for \"a\" + c + \"a\", every scalar c (surrogates excepted); Hugging Face tokenizers %s."
              % tokenizers_version,
              "# FIRST LAST WORDS: words separated by spaces, scalars in hex joined by '.', '*' = c itself."]
    path.write_text("\n".join(header + lines) + "\n")
    print("%s: %d ranges" % (path, len(lines)))


# name, file under data/, encoding, header lines to skip, how to take the text(s) from a line
DATASET_FILES = [
    ("trec_train", "trec/train_5500.label", "latin-1", 0, "after-first-space"),
    ("trec_test", "trec/TREC_10.label", "latin-1", 0, "after-first-space"),
    ("cola_train", "cola/in_domain_train.tsv", "utf-8", 0, "column 3"),
    ("sst2_dev", "sst2/dev.tsv", "utf-8", 1, "column 0"),
    ("mrpc_dev", "mrpc/dev.tsv", "utf-8", 1, "columns 3 4"),
]


def extract(line, rule):
    """The text (or pair) a line holds, by `rule`; the Swift test implements the same rules."""
    if rule == "after-first-space":
        return line.split(" ", 1)[1], None
    fields = line.split("\t")
    cols = [int(c) for c in rule.split()[1:]]
    return fields[cols[0]], (fields[cols[1]] if len(cols) > 1 else None)


def write_dataset_lines(tok, data_dir, name, rel, encoding, skip, rule):
    raw = (Path(data_dir) / rel).read_bytes().decode(encoding)
    lines = raw.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    numbered = [(i + 1, line) for i, line in enumerate(lines) if i >= skip]
    inputs = [extract(line, rule) for _, line in numbered]
    singles = [a for a, b in inputs if b is None]
    pairs = [(a, b) for a, b in inputs if b is not None]
    encs = tok.encode_batch(pairs if pairs else singles)
    out = ["# Reference ids (Hugging Face tokenizers %s, [CLS] ... [SEP], no truncation) for data/%s."
           % (tokenizers_version, rel),
           "# The dataset text is not stored: LINE<TAB>sha256 of the line's text (UTF-8, no line end)<TAB>ids.",
           "#! file %s" % rel, "#! encoding %s" % encoding, "#! skip %d" % skip, "#! text %s" % rule]
    for (number, line), enc in zip(numbered, encs):
        digest = hashlib.sha256(line.encode("utf-8")).hexdigest()
        out.append("%d\t%s\t%s" % (number, digest, " ".join(map(str, enc.ids))))
    path = FIXTURES / ("tokenizer_lines_%s.txt" % name)
    path.write_text("\n".join(out) + "\n")
    print("%s: %d lines" % (path, len(numbered)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/all-MiniLM-L6-v2")
    parser.add_argument("--data", default="data")
    args = parser.parse_args()
    if not FIXTURES.is_dir():
        sys.exit("run from the repository root (no %s here)" % FIXTURES)
    tok = load_tokenizer(args.model)
    print("tokenizers %s, Python unicodedata %s" % (tokenizers_version, unicodedata.unidata_version))
    write_cases(tok, FIXTURES / "tokenizer_cases.json")
    write_codepoints(tok, FIXTURES / "tokenizer_codepoints.txt")
    for spec in DATASET_FILES:
        write_dataset_lines(tok, args.data, *spec)


if __name__ == "__main__":
    main()
