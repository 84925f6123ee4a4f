/// One key applied to a line of text being typed (a Setup field, the Sessions filter, a rename, tags, a note).
enum TextEntry {
    enum Outcome { case changed, commit, cancel, tooLong, ignored }

    /// Applies `key` to `text`: printable characters append (pasted garbage arrives key by key: control and
    /// double-width characters are dropped) up to `maxLength`, Tab types a space, Bksp/Del remove the last character,
    /// ^U clears, Enter commits, Esc cancels.
    static func apply(_ key: Key, to text: inout String, maxLength: Int = EditBuffer.maxLength) -> Outcome {
        switch key {
        case .enter: return .commit
        case .escape: return .cancel
        case .backspace, .delete:
            if !text.isEmpty { text.removeLast() }
        case .ctrl("u"):
            text = ""
        case .tab:
            return apply(.char(" "), to: &text, maxLength: maxLength)
        case .char(let ch):
            let printable = ch.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F && CellGrid.singleWidth($0) == $0 }
            if !printable { return .ignored }
            if text.count >= maxLength { return .tooLong }
            text.append(ch)
        default:
            return .ignored
        }
        return .changed
    }
}
