/// Text that came from a file (a session, strategy, class or dataset name) made safe to print on a terminal.
extension String {
    /// This text with every control character (C0, DEL and C1: an escape sequence in a session name could recolour,
    /// move the cursor or clear the screen) written as `\u{1B}`; everything else unchanged.
    public var escapingControlCharacters: String {
        guard unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return self }
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar.properties.generalCategory == .control {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}

extension Double {
    /// A number read from a file, as an error message shows it: whole numbers without ".0" ("384", "-1"), others as
    /// Swift writes them ("8.5", "1e-60", "1e+300"), never rounded to something else.
    public var messageText: String { rounded() == self && abs(self) < 1e15 ? String(Int(self)) : "\(self)" }
}
