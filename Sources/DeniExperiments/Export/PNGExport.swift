import DeniCore
import Foundation

/// PNG copies of the SVG pictures, for documents that cannot embed SVG. They are made by `rsvg-convert` (Debian's
/// librsvg2-bin, which scripts/setup.sh installs) at twice the SVG's size; the tool draws no pixels itself.
/// `deni export --svg` and `deni report --svg` write them whenever `rsvg-convert` is on `PATH` (`--no-png`: not).
public enum PNGExport {
    public static let tool = "rsvg-convert"
    public static let zoom = 2

    /// The one line said when the tool is missing.
    public static let missing = "note: no PNG copies written: \(tool) is not on PATH (Debian package librsvg2-bin; scripts/setup.sh installs it)"

    /// Whether PNGs can be made here.
    public static var available: Bool { ExternalTool.find(tool) != nil }

    /// Writes `X.png` beside each `X.svg` in `svgs`; returns the PNGs written, or nil when `rsvg-convert` is not on
    /// `PATH`. A conversion that fails throws, naming the file and what the tool said.
    public static func write(beside svgs: [URL]) throws(SessionError) -> [URL]? {
        var written: [URL] = []
        for svg in svgs {
            let png = svg.deletingPathExtension().appendingPathExtension("png")
            let out: ExternalTool.Output?
            do { out = try ExternalTool.run(tool, ["--format=png", "--zoom=\(zoom)", "--output=\(png.path)", svg.path]) }
            catch { throw SessionError.io(path: png.path, operation: "running \(tool)", detail: FileProblem.describe(error)) }
            guard let out else { return nil }
            if out.status != 0 { throw SessionError.io(path: png.path, operation: "converting \(svg.lastPathComponent) with \(tool)", detail: out.message) }
            written.append(png)
        }
        return written
    }
}
