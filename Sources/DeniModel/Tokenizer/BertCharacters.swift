/// The character classes the BERT normaliser and pre-tokeniser use, as the reference defines them.
///
/// The reference mixes Unicode versions: general categories (control/format, punctuation, nonspacing marks)
/// are Unicode 8.0's, canonical decomposition is Unicode 9.0's, whitespace and lowercasing are current.
/// These functions reproduce that from the Unicode data of the Swift runtime plus each character's age;
/// `TokenizerCodePointTests` checks every scalar against the reference.
enum BertCharacters {
    /// Removed by text cleaning: NUL, U+FFFD and the "other" categories (Cc, Cf, Cn, Co, Cs),
    /// except tab, line feed and carriage return (which count as whitespace).
    /// Other C0 controls that are also whitespace (U+000B, U+000C, U+001C…U+001F, U+0085) are removed.
    @inline(__always)
    static func isRemovedByCleaning(_ v: Unicode.Scalar) -> Bool {
        let value = v.value
        if value < 0x80 { return asciiClass[Int(value)] == .removed }
        if value == 0xFFFD { return true }
        switch referenceCategory(v) {
        case .control?, .format?, .privateUse?: return true
        default: return false
        }
    }

    /// Whitespace: tab, line feed, carriage return and the Unicode White_Space property.
    @inline(__always)
    static func isWhitespace(_ v: Unicode.Scalar) -> Bool {
        if v.value < 0x80 { return asciiClass[Int(v.value)] == .whitespace }
        return v.properties.isWhitespace
    }

    /// Punctuation: every ASCII symbol (33–47, 58–64, 91–96, 123–126) and the Unicode P* categories.
    @inline(__always)
    static func isPunctuation(_ v: Unicode.Scalar) -> Bool {
        if v.value < 0x80 { return asciiClass[Int(v.value)] == .punctuation }
        switch referenceCategory(v) {
        case .connectorPunctuation?, .dashPunctuation?, .openPunctuation?, .closePunctuation?,
             .initialPunctuation?, .finalPunctuation?, .otherPunctuation?:
            return true
        default:
            return false
        }
    }

    /// Nonspacing marks (Mn), which accent stripping removes after decomposition.
    @inline(__always)
    static func isNonspacingMark(_ v: Unicode.Scalar) -> Bool {
        v.value >= 0x80 && referenceCategory(v) == .nonspacingMark
    }

    /// The general category in the reference's Unicode 8.0 tables; nil for characters assigned later.
    static func referenceCategory(_ v: Unicode.Scalar) -> Unicode.GeneralCategory? {
        guard let age = v.properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return nil }
        // Characters whose category changed after 8.0 (the code-point test finds any others).
        switch v.value {
        case 0x166D, 0x111C9: return .otherPunctuation     // now So / Mn
        case 0x1734, 0x1171E: return .nonspacingMark       // now Mc
        case 0x1885, 0x1886: return .otherLetter           // now Mn
        case 0xA9BD: return .spacingMark                   // now Mn
        default: return v.properties.generalCategory
        }
    }

    /// Whether the reference's (Unicode 9.0) decomposition data knows `v`. Characters assigned later are
    /// neither decomposed nor reordered there: with no combining class they act as starters.
    @inline(__always)
    static func isKnownToReferenceDecomposition(_ v: Unicode.Scalar) -> Bool {
        guard let age = v.properties.age else { return false }
        return age.major < 9 || (age.major == 9 && age.minor == 0)
    }

    /// CJK ideographs (unified, extensions A–F and compatibility blocks), which the normaliser
    /// surrounds with spaces so that each becomes a word of its own. Hiragana, katakana and hangul are not.
    @inline(__always)
    static func isCJKIdeograph(_ v: Unicode.Scalar) -> Bool {
        switch v.value {
        case 0x4E00 ... 0x9FFF, 0x3400 ... 0x4DBF, 0x20000 ... 0x2A6DF, 0x2A700 ... 0x2B73F,
             0x2B740 ... 0x2B81F, 0x2B920 ... 0x2CEAF, 0xF900 ... 0xFAFF, 0x2F800 ... 0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// What the tokenizer does with an ASCII byte.
    enum ASCIIClass: UInt8 {
        case kept, uppercase, whitespace, punctuation, removed
    }

    /// `asciiClass[b]` for every byte `b < 128`.
    static let asciiClass: [ASCIIClass] = (0 ..< 128).map { (b: Int) -> ASCIIClass in
        switch b {
        case 0x09, 0x0A, 0x0D, 0x20: return .whitespace
        case 0x00 ..< 0x20, 0x7F: return .removed
        case 33 ... 47, 58 ... 64, 91 ... 96, 123 ... 126: return .punctuation
        case 0x41 ... 0x5A: return .uppercase
        default: return .kept
        }
    }
}
