import Foundation

/// The paper's datasets and the entry point that loads either one of them or a user's file.
public enum DatasetRegistry {
    public static let all: [DatasetInfo] = [sst2, cola, mrpc, trec, agNews, snips, dbpedia, boolq]

    public static func info(_ key: String) -> DatasetInfo? { all.first { $0.key == key.lowercased() } }

    /// Loads a registered dataset by key from `dataDirectory/<key>/`, or else treats `keyOrPath` as a user's
    /// CSV/TSV/JSON Lines file. A missing registered dataset throws a `DataError` saying which files to put where.
    public static func load(_ keyOrPath: String, dataDirectory: URL, options: LoadOptions = LoadOptions()) throws(DataError) -> Dataset {
        guard let info = info(keyOrPath) else {
            if !FileManager.default.fileExists(atPath: keyOrPath) && !keyOrPath.contains("/") && !keyOrPath.contains(".") {
                throw DataError(file: keyOrPath, "neither a registered dataset (\(all.map(\.key).joined(separator: ", "))) nor an existing file")
            }
            return try UserDataLoader.load(path: keyOrPath, options: options)
        }
        if !info.isPresent(in: dataDirectory) {
            throw DataError(file: dataDirectory.appendingPathComponent(info.key).path, info.missingMessage(dataDirectory: dataDirectory))
        }
        var dataset = try BuiltinLoaders.load(info, dataDirectory: dataDirectory, options: options)
        if let maxLength = options.maxLength { dataset.maxLength = maxLength }
        return dataset
    }

    // MARK: The registered datasets (sizes and formats from each folder's SOURCE.md)

    static let sst2 = DatasetInfo(
        key: "sst2", title: "SST-2 (Stanford Sentiment Treebank, binary)", task: "sentiment",
        classNames: ["negative", "positive"], maxLength: 50, isPair: false, defaultPairMode: .singleSequence,
        files: [
            DatasetFile(path: "sst2/train.tsv", split: "train", role: .train, documentedRows: 67_349, format: "GLUE TSV: header, sentence<TAB>label"),
            DatasetFile(path: "sst2/dev.tsv", split: "dev", role: .validation, documentedRows: 872, format: "GLUE TSV: header, sentence<TAB>label"),
            DatasetFile(path: "sst2/stsa.binary.test", split: "test", role: .test, documentedRows: 1_821, format: "label<SPACE>sentence per line"),
        ],
        source: "Socher et al. 2013, Stanford Sentiment Treebank (nlp.stanford.edu/sentiment); GLUE release, Wang et al. 2018 (gluebenchmark.com); labelled test: the sentence-level SST-2 test set",
        licence: "none stated; distributed by Stanford for research and redistributed by GLUE; cite Socher et al. 2013 and GLUE",
        notes: "train holds GLUE's phrase-level training rows")

    static let cola = DatasetInfo(
        key: "cola", title: "CoLA (Corpus of Linguistic Acceptability) 1.1", task: "acceptability",
        classNames: ["unacceptable", "acceptable"], maxLength: 25, isPair: false, defaultPairMode: .singleSequence,
        files: [
            DatasetFile(path: "cola/in_domain_train.tsv", split: "train", role: .train, documentedRows: 8_551, format: "TSV, no header: source, label, mark, sentence"),
            DatasetFile(path: "cola/in_domain_dev.tsv", split: "in_domain_dev", role: .validation, documentedRows: 527, format: "TSV, no header: source, label, mark, sentence"),
            DatasetFile(path: "cola/out_of_domain_dev.tsv", split: "out_of_domain_dev", role: .validation, documentedRows: 516, format: "TSV, no header: source, label, mark, sentence"),
        ],
        source: "Warstadt, Singh & Bowman 2019, public release 1.1 (nyu-mll.github.io/CoLA)",
        licence: "none; sentences are excerpts of published linguistics works, copyright with their authors/publishers; research use expected to be fair use",
        notes: "test labels are not public; with the official split kept, the two dev files are the test set")

    static let mrpc = DatasetInfo(
        key: "mrpc", title: "MRPC (Microsoft Research Paraphrase Corpus)", task: "paraphrase (sentence pair)",
        classNames: ["not_paraphrase", "paraphrase"], maxLength: 50, isPair: true, defaultPairMode: .singleSequence,
        files: [
            DatasetFile(path: "mrpc/train.tsv", split: "train", role: .train, documentedRows: 3_668, format: "GLUE TSV: header, Quality, #1 ID, #2 ID, #1 String, #2 String"),
            DatasetFile(path: "mrpc/dev.tsv", split: "dev", role: .validation, documentedRows: 408, format: "GLUE TSV: header, Quality, #1 ID, #2 ID, #1 String, #2 String"),
            DatasetFile(path: "mrpc/test_with_labels.tsv", split: "test", role: .test, documentedRows: 1_725, format: "GLUE test TSV with Quality filled from the original labelled MSR test file"),
        ],
        source: "Dolan & Brockett 2005, Microsoft Research Paraphrase Corpus (microsoft.com/en-us/download/details.aspx?id=52398); GLUE train/dev split",
        licence: "Microsoft Research Paraphrase Corpus terms (research use)",
        notes: "the paper feeds a pair as one sequence \"Sentence 1: …; Sentence 2: …\"; 50 tokens truncates most pairs, so a BERT pair and a longer limit are options")

    static let trec = DatasetInfo(
        key: "trec", title: "TREC question classification (coarse)", task: "question type",
        classNames: ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"], maxLength: 25, isPair: false, defaultPairMode: .singleSequence,
        files: [
            DatasetFile(path: "trec/train_5500.label", split: "train", role: .train, documentedRows: 5_452, format: "COARSE:fine question, one per line, ISO-8859-1"),
            DatasetFile(path: "trec/TREC_10.label", split: "test", role: .test, documentedRows: 500, format: "COARSE:fine question, one per line"),
        ],
        source: "Li & Roth 2002, Learning Question Classifiers (cogcomp.seas.upenn.edu/Data/QA/QC)",
        licence: "none stated; distributed by the Cognitive Computation Group for research",
        notes: "the 6 coarse classes; the 50 fine labels are not used")

    static let agNews = DatasetInfo(
        key: "ag_news", title: "AG News", task: "news topic",
        classNames: ["World", "Sports", "Business", "Sci/Tech"], maxLength: 50, isPair: false, defaultPairMode: .singleSequence,
        files: [
            DatasetFile(path: "ag_news/train_subset_8000_description_only.csv", split: "train", role: .train, documentedRows: 8_000, format: "CSV: header label,content (description only), label 1-4"),
            DatasetFile(path: "ag_news/test.csv", split: "test", role: .test, documentedRows: 7_600, format: "official CSV: \"class\",\"title\",\"description\", class 1-4"),
        ],
        source: "Zhang, Zhao & LeCun 2015, Character-level Convolutional Networks for Text Classification, built from A. Gulli's AG corpus of news articles",
        licence: "provided by the academic community for research and non-commercial use (the dataset's readme)",
        notes: "description text only (as the paper); the train file is a documented 8,000-row subset of the official 120,000; a backslash in the text stands for a line break and is read as a space")

    static let snips = DatasetInfo(
        key: "snips", title: "SNIPS intents", task: "intent",
        classNames: ["AddToPlaylist", "BookRestaurant", "GetWeather", "PlayMusic", "RateBook", "SearchCreativeWork", "SearchScreeningEvent"],
        maxLength: 25, isPair: false, defaultPairMode: .singleSequence,
        files: [
            DatasetFile(path: "snips/train/seq.in", split: "train", role: .train, documentedRows: 13_084, format: "one utterance per line (lowercased, tokenized)"),
            DatasetFile(path: "snips/train/label", split: "train", role: .train, documentedRows: 13_084, format: "one intent per line, aligned with seq.in"),
            DatasetFile(path: "snips/dev/seq.in", split: "dev", role: .validation, documentedRows: 700, format: "one utterance per line"),
            DatasetFile(path: "snips/dev/label", split: "dev", role: .validation, documentedRows: 700, format: "one intent per line"),
            DatasetFile(path: "snips/test/seq.in", split: "test", role: .test, documentedRows: 700, format: "one utterance per line"),
            DatasetFile(path: "snips/test/label", split: "test", role: .test, documentedRows: 700, format: "one intent per line"),
        ],
        source: "Coucke et al. 2018, Snips NLU benchmark (github.com/sonos/nlu-benchmark); split of Goo et al. 2018, Slot-Gated Modeling",
        licence: "none stated by Snips/sonos or by the split's publishers",
        notes: "slot tags are not used")

    static let dbpedia = DatasetInfo(
        key: "dbpedia", title: "DBpedia-14 ontology classes (balanced subset)", task: "ontology class",
        classNames: ["Company", "EducationalInstitution", "Artist", "Athlete", "OfficeHolder", "MeanOfTransportation",
                     "Building", "NaturalPlace", "Village", "Animal", "Plant", "Album", "Film", "WrittenWork"],
        maxLength: 50, isPair: false, defaultPairMode: .singleSequence,
        files: [
            DatasetFile(path: "dbpedia/train.tsv", split: "train", role: .train, documentedRows: 12_600, format: "TSV: header text<TAB>label, label 1-14"),
            DatasetFile(path: "dbpedia/dev.tsv", split: "dev", role: .validation, documentedRows: 700, format: "TSV: header text<TAB>label"),
            DatasetFile(path: "dbpedia/test.tsv", split: "test", role: .test, documentedRows: 700, format: "TSV: header text<TAB>label"),
        ],
        source: "Zhang, Zhao & LeCun 2015 (DBpedia ontology classification), from DBpedia (Lehmann et al. 2015)",
        licence: "DBpedia text derives from Wikipedia: CC BY-SA 3.0 / GFDL",
        notes: "a balanced, lowercased, punctuation-stripped subset, not the official 560,000/70,000 split")

    static let boolq = DatasetInfo(
        key: "boolq", title: "BoolQ (yes/no questions)", task: "yes/no QA (question + passage)",
        classNames: ["false", "true"], maxLength: 128, isPair: true, defaultPairMode: .bertPair,
        files: [
            DatasetFile(path: "boolq/dev.jsonl", split: "dev", role: .validation, documentedRows: 3_270, format: "JSON Lines: question, title, answer (bool), passage"),
        ],
        source: "Clark et al. 2019, BoolQ (github.com/google-research-datasets/boolean-questions)",
        licence: "CC BY-SA 3.0 (Google)",
        notes: "only the official dev split is here (no train), so the official split cannot be kept; not in the paper's reported set: question + passage as a BERT pair, 128 tokens (our choice)")
}
