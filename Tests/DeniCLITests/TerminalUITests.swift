import DeniData
import DeniExperiments
import DeniTraining
import Foundation
import XCTest

/// End to end: the real `deni ui` in a tmux pane, driven by keys, checked by what the pane shows.
///
/// One short real experiment (TREC, LoRA, Default + DENI with K = 2, 1 run, 48 samples, 2 epochs): open
/// setup, load the quick-look preset and shrink it, start, watch progress and curves advance, ask to quit
/// while training (and decline), open and close help, resize (80 × 24, then a too-small 20 × 5, then back),
/// let the run finish, quit, and check the exit code, the terminal modes after exit and the recorded session.
final class TerminalUITests: XCTestCase {
    static let trainSamples = 48, epochs = 2, evalSubsample = 40, ensembleSize = 2

    func testSetupTrainHelpResizeQuitRestoresTerminal() throws {
        let started = Date()
        guard let tmuxPath = Tmux.executable() else { throw XCTSkip("tmux is not installed (scripts/setup.sh installs it)") }
        let root = packageRoot()
        let model = root.appendingPathComponent("models/all-MiniLM-L6-v2")
        guard FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("no model at \(model.path): run ./scripts/setup.sh")
        }
        let dataDir = root.appendingPathComponent("data")
        guard DatasetRegistry.info("trec")?.isPresent(in: dataDir) == true else {
            throw XCTSkip("TREC is not in \(dataDir.path): run ./scripts/setup.sh")
        }
        let binary = deniBinary()
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            XCTFail("no deni binary at \(binary.path): build it first (swift build)")
            return
        }

        let work = FileManager.default.temporaryDirectory.appendingPathComponent("deni-e2e-\(UUID().uuidString.prefix(8))")
        let sessionsDir = work.appendingPathComponent("sessions")
        try FileManager.default.createDirectory(at: sessionsDir, withIntermediateDirectories: true)
        let sttyFile = work.appendingPathComponent("stty.txt"), exitFile = work.appendingPathComponent("exit.txt")
        let command = "env DENI_SESSIONS=\(Tmux.quote(sessionsDir.path)) LANG=C.UTF-8 LC_ALL=C.UTF-8 \(Tmux.quote(binary.path)) ui; "
            + "code=$?; stty -a > \(Tmux.quote(sttyFile.path)); echo EXITED:$code > \(Tmux.quote(exitFile.path))"
        let tmux = try Tmux(executable: tmuxPath, width: 120, height: 40, command: "sh -c \(Tmux.quote(command))",
                            cwd: root, exitFile: exitFile, logFile: sessionsDir.appendingPathComponent("ui.log"))
        addTeardownBlock {
            tmux.killServer()
            try? FileManager.default.removeItem(at: work)
        }

        // Setup: the form, then the quick-look preset (P: paper defaults, P again: quick look).
        var screen = try tmux.waitFor("the setup form") { $0.contains("1 Setup") && $0.contains("Experiment name") }
        XCTAssertTrue(screen.contains("Data and model") && screen.contains("Tuning"), screen)
        try tmux.send(literal: "P")
        _ = try tmux.waitFor("the paper preset") { $0.contains("loaded preset 'paper defaults'") }
        try tmux.send(literal: "P")
        _ = try tmux.waitFor("the quick-look preset") { $0.contains("loaded preset 'quick look") }

        // Shrink it to one short run; the ensemble size is the DENI hyperparameter changed.
        try tmux.send(literal: "g")
        try tmux.focus("Tuning")
        XCTAssertEqual(Tmux.fieldValue(try tmux.capture(), "Tuning"), "‹ lora ›")
        try tmux.focus("Ensemble size K")
        try tmux.edit("Ensemble size K", to: "\(Self.ensembleSize)")
        try tmux.focus("Runs")
        try tmux.edit("Runs", to: "1")
        try tmux.focus("Training samples")
        try tmux.edit("Training samples", to: "\(Self.trainSamples)")
        try tmux.focus("Epochs")
        try tmux.edit("Epochs", to: "\(Self.epochs)")
        // A refused value stays in the editor with the reason; Esc leaves the old value.
        try tmux.focus("Batch size")
        try tmux.send(keys: ["Enter", "C-u"])
        try tmux.send(literal: "0")
        try tmux.send(keys: ["Enter"])
        _ = try tmux.waitFor("the refusal of batch size 0") { $0.contains("✗ Batch size 0 is outside") }
        try tmux.send(keys: ["Escape"])
        _ = try tmux.waitFor("the editor to close") { Tmux.fieldValue($0, "Batch size") == "8" && !$0.contains("Enter accept") }
        try tmux.focus("Eval subsample")
        try tmux.edit("Eval subsample", to: "\(Self.evalSubsample)")

        // Start: the Live screen; progress and curves must move.
        try tmux.send(literal: "s")
        _ = try tmux.waitFor("the Live screen") { $0.contains("running") && $0.contains("Runs 0/2 done") }
        var steps = Set<Int>(), percents = Set<Int>()
        var sawBraille = false
        screen = try tmux.waitFor("two different training steps and a drawn chart", timeout: 120) { s in
            if let st = Tmux.firstMatch(#"step (\d+)/\d+"#, in: s) { steps.insert(st) }
            if let p = Tmux.firstMatch(#"runs · (\d+)%"#, in: s) { percents.insert(p) }
            sawBraille = sawBraille || s.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }
            return steps.count >= 2 && sawBraille
        }
        XCTAssertGreaterThan(steps.max()!, steps.min()!, "step counter did not advance: \(steps.sorted())")
        XCTAssertTrue(screen.contains("Members:") && screen.contains("Log"), screen)

        // Quit while training asks first; 'n' stays and training goes on.
        try tmux.send(keys: ["C-c"])
        screen = try tmux.waitFor("the quit confirmation") { $0.contains("Quit while training?") }
        XCTAssertTrue(screen.contains("y quit    n stay"), screen)
        try tmux.send(literal: "n")
        _ = try tmux.waitFor("the confirmation to close") { !$0.contains("Quit while training?") }

        // Help: opens on '?', lists the Live keys, closes on another key.
        try tmux.send(literal: "?")
        screen = try tmux.waitFor("the help overlay") { $0.contains("Keys · j/k scroll") }
        XCTAssertTrue(screen.contains("pause / resume training") && screen.contains("everywhere"), screen)
        try tmux.send(keys: ["Escape"])
        _ = try tmux.waitFor("the help overlay to close") { !$0.contains("Keys · j/k scroll") && $0.contains("Runs ") }

        // Resize: 80 × 24 redraws at that size, 20 × 5 is too small, 120 × 40 again.
        try tmux.resize(width: 80, height: 24)
        screen = try tmux.waitFor("the 80 × 24 layout") { s in
            Tmux.isLaidOut(s, width: 80, height: 24) && s.contains("2 Live") && s.contains("Runs ")
        }
        try tmux.resize(width: 20, height: 5)
        screen = try tmux.waitFor("the too-small message") { $0.contains("terminal too small") && $0.contains("20x5, need") }
        try tmux.resize(width: 120, height: 40)
        screen = try tmux.waitFor("the 120 × 40 layout again") { s in
            Tmux.isLaidOut(s, width: 120, height: 40) && s.contains("2 Live") && s.contains("Members:")
        }

        // The run finishes: both runs report a macro-F1.
        screen = try tmux.waitFor("training to finish", timeout: 180) { s in
            if let p = Tmux.firstMatch(#"runs · (\d+)%"#, in: s) { percents.insert(p) }
            return s.contains("finished · 2/2 runs")
        }
        XCTAssertTrue(screen.contains("Runs 2/2 done"), screen)
        XCTAssertGreaterThanOrEqual(screen.components(separatedBy: "F1 ").count - 1, 2, "two finished runs with F1\n\(screen)")
        XCTAssertGreaterThan(percents.count, 1, "overall progress never moved: \(percents.sorted())")

        // Quit: Live → Setup → exit, no question once training is over.
        try tmux.send(literal: "q")
        _ = try tmux.waitFor("the setup screen") { $0.contains("P preset") && $0.contains("1 Setup") }
        try tmux.send(literal: "q")
        let exitText = try tmux.waitForExit(timeout: 30)
        XCTAssertEqual(exitText.trimmingCharacters(in: .whitespacesAndNewlines), "EXITED:0")

        // The terminal is back in cooked mode with echo.
        let stty = try String(contentsOf: sttyFile, encoding: .utf8)
        let modes = Set(stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
        XCTAssertTrue(modes.contains("icanon") && !modes.contains("-icanon"), "canonical mode not restored:\n\(stty)")
        XCTAssertTrue(modes.contains("echo") && !modes.contains("-echo"), "echo not restored:\n\(stty)")

        // The session was recorded in the temporary sessions folder, with the edited configuration.
        let folders = try FileManager.default.contentsOfDirectory(at: sessionsDir, includingPropertiesForKeys: nil)
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("manifest.json").path) }
        XCTAssertEqual(folders.count, 1, "sessions: \(folders.map(\.lastPathComponent))")
        if let folder = folders.first {
            let recorded = try SessionReader.read(folder)
            XCTAssertEqual(recorded.status, .finished)
            let c = recorded.config
            XCTAssertEqual(c.runs, 1)
            XCTAssertEqual(c.trainSamples, Self.trainSamples)
            XCTAssertEqual(c.epochs, Self.epochs)
            XCTAssertEqual(c.evalSubsample, Self.evalSubsample)
            XCTAssertEqual(c.dataset, "trec")
            XCTAssertEqual(c.tuning.kind, .lora)
            XCTAssertEqual(c.strategies.map(\.kind), [.standard, .deni])
            XCTAssertEqual(c.strategies.last?.deni?.ensembleSize, Self.ensembleSize)
            XCTAssertNotNil(recorded.manifest.summary, "a finished session carries its results table")
            XCTAssertFalse(recorded.events.isEmpty)
        }
        print("TerminalUITests: wall time \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}

extension TerminalUITests {
    /// Ctrl-Z suspends the UI like any terminal program (today's main read it as a key): run from an interactive shell
    /// (job control: a non-interactive `sh -c` alone leaves its process group orphaned, where the kernel discards
    /// SIGTSTP), the job stops and the shell gets the terminal back; `fg` brings the UI back drawn again, taking keys.
    func testCtrlZSuspendsAndFgRestoresTheUI() throws {
        guard let tmuxPath = Tmux.executable() else { throw XCTSkip("tmux is not installed (scripts/setup.sh installs it)") }
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else { throw XCTSkip("no /bin/bash for an interactive shell") }
        let binary = deniBinary()
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { return XCTFail("no deni binary at \(binary.path)") }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("deni-tstp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let exitFile = work.appendingPathComponent("exit.txt")
        let tmux = try Tmux(executable: tmuxPath, width: 100, height: 30, command: "env PS1='$ ' /bin/bash --norc --noprofile -i",
                            cwd: packageRoot(), exitFile: exitFile, logFile: work.appendingPathComponent("ui.log"))
        addTeardownBlock {
            tmux.killServer()
            try? FileManager.default.removeItem(at: work)
        }
        // One job (sh and deni): the exit file is written only when deni really ends, not when the job stops.
        let job = "env DENI_SESSIONS=\(Tmux.quote(work.path)) LANG=C.UTF-8 LC_ALL=C.UTF-8 \(Tmux.quote(binary.path)) ui; echo EXITED:$? > \(Tmux.quote(exitFile.path))"
        try tmux.send(literal: "sh -c \(Tmux.quote(job))")
        try tmux.send(keys: ["Enter"])
        _ = try tmux.waitFor("the setup form") { $0.contains("Experiment name") }
        func state(_ pid: Int32) -> Substring? {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
            return text[text.index(after: close)...].split(separator: " ").first
        }
        let deni = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init).first { pid in
            (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) == Data((binary.path + "\0ui\0").utf8)
        }, "no deni ui process")
        try tmux.send(keys: ["C-z"])
        let deadline = Date().addingTimeInterval(10)
        while state(deni) != "T" && Date() < deadline { usleep(50_000) }
        XCTAssertEqual(state(deni), "T", "Ctrl-Z must stop the process")
        _ = try tmux.waitFor("the shell's terminal back") { !$0.contains("Experiment name") }
        try tmux.send(literal: "fg")
        try tmux.send(keys: ["Enter"])
        _ = try tmux.waitFor("the setup form drawn again") { $0.contains("Experiment name") }
        try tmux.send(literal: "q")
        XCTAssertEqual(try tmux.waitForExit(timeout: 20), "EXITED:0\n")
    }
}

/// A tmux server on a private socket holding one session that runs the command under test.
final class Tmux: @unchecked Sendable {
    let executable: String
    let socket = "deni-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
    let target = "deni"
    let exitFile: URL
    let logFile: URL
    private(set) var height: Int

    static func executable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/tmux" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Single-quotes `s` for sh.
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    init(executable: String, width: Int, height: Int, command: String, cwd: URL, exitFile: URL, logFile: URL) throws {
        self.executable = executable; self.height = height; self.exitFile = exitFile; self.logFile = logFile
        try run(["-f", "/dev/null", "new-session", "-d", "-s", target, "-x", "\(width)", "-y", "\(height)", "-c", cwd.path, command])
    }

    /// Runs one tmux client command on this server; returns its stdout.
    @discardableResult
    func run(_ args: [String]) throws -> String {
        let r = try runProcess(executable, ["-u", "-L", socket] + args, environment: ProcessInfo.processInfo.environment.filter { $0.key != "TMUX" }, timeout: 10)
        guard r.status == 0 else { throw DeniRunError(description: "tmux \(args.joined(separator: " ")) failed (\(r.status)): \(r.stderr)") }
        return r.stdout
    }

    func killServer() { _ = try? run(["kill-server"]) }

    func capture() throws -> String { try run(["capture-pane", "-p", "-t", target]) }

    func send(keys: [String]) throws { try run(["send-keys", "-t", target] + keys) }
    func send(literal: String) throws { try run(["send-keys", "-t", target, "-l", literal]) }

    func resize(width: Int, height: Int) throws {
        try run(["resize-window", "-t", target, "-x", "\(width)", "-y", "\(height)"])
        self.height = height
    }

    /// Polls the pane every 75 ms until `done` holds; throws (with the screen and the UI log) at the deadline
    /// or when the UI exits or shows a training failure first.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line,
                 _ done: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while true {
            if FileManager.default.fileExists(atPath: exitFile.path) {
                return try failure("the UI exited while waiting for \(what)", screen, file: file, line: line)
            }
            screen = (try? capture()) ?? screen
            if done(screen) { return screen }
            if screen.contains("Training stopped") {
                return try failure("training failed while waiting for \(what)", screen, file: file, line: line)
            }
            if Date() > deadline {
                return try failure("timed out after \(Int(timeout)) s waiting for \(what)", screen, file: file, line: line)
            }
            usleep(75_000)
        }
    }

    private func failure(_ message: String, _ screen: String, file: StaticString, line: UInt) throws -> String {
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(no ui.log)"
        let exit = (try? String(contentsOf: exitFile, encoding: .utf8)) ?? "(still running)"
        XCTFail("\(message)\n--- screen ---\n\(screen)\n--- ui.log ---\n\(log.suffix(2000))\n--- exit ---\n\(exit)", file: file, line: line)
        throw DeniRunError(description: message)
    }

    /// Waits for the wrapper to write the exit file; returns its text.
    func waitForExit(timeout: TimeInterval) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOf: exitFile, encoding: .utf8), text.hasSuffix("\n") { return text }
            usleep(75_000)
        }
        let screen = (try? capture()) ?? ""
        XCTFail("deni did not exit within \(Int(timeout)) s\n\(screen)")
        throw DeniRunError(description: "no exit")
    }

    /// Moves the setup cursor down (j) until the footer explains `label` (a field below the cursor).
    func focus(_ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        var screen = try capture()
        for _ in 0..<60 {
            let footer = Tmux.footer(screen)
            if footer?.hasPrefix(" \(label): ") == true { return }
            if footer?.hasPrefix(" ▶ Start training") == true { break }
            try send(literal: "j")
            screen = try waitFor("the cursor to move from \(footer ?? "?")", file: file, line: line) { Tmux.footer($0) != footer }
        }
        XCTFail("field '\(label)' not reached\n\(screen)", file: file, line: line)
        throw DeniRunError(description: "no field \(label)")
    }

    /// Edits the focused text field: Enter, clear, type, Enter; waits until the form shows the value.
    func edit(_ label: String, to value: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try send(keys: ["Enter"])
        _ = try waitFor("the editor of \(label)", file: file, line: line) { $0.contains("Enter accept") }
        try send(keys: ["C-u"])
        try send(literal: value)
        try send(keys: ["Enter"])
        _ = try waitFor("\(label) = \(value)", file: file, line: line) { s in
            !s.contains("Enter accept") && Tmux.fieldValue(s, label) == value
        }
    }

    // MARK: reading the screen

    /// The setup footer: the line under the last full-width rule.
    static func footer(_ screen: String) -> String? {
        let lines = screen.components(separatedBy: "\n")
        guard let rule = lines.lastIndex(where: { $0.hasPrefix("──────") }), rule + 1 < lines.count else { return nil }
        return lines[rule + 1]
    }

    /// The value shown for `label` in the setup form (columns 24 on, up to the help text), or nil.
    static func fieldValue(_ screen: String, _ label: String) -> String? {
        for l in screen.components(separatedBy: "\n") {
            let chars = Array(l)
            guard chars.count > 24, String(chars[2..<24]).trimmingCharacters(in: .whitespaces) == label else { continue }
            let rest = String(chars[24...])
            return (rest.range(of: "   ").map { String(rest[..<$0.lowerBound]) } ?? rest).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// Whether the screen is drawn for `width` × `height`: that many lines, none wider, and the status bar's
    /// right-aligned theme name ending at the last-but-one column.
    static func isLaidOut(_ screen: String, width: Int, height: Int) -> Bool {
        var lines = screen.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard lines.count == height, lines.allSatisfy({ $0.count <= width }) else { return false }
        let status = lines[height - 1]
        return status.last?.isLetter == true && status.count == width - 1
    }

    /// The first capture group of `pattern` in `text` as an integer.
    static func firstMatch(_ pattern: String, in text: String) -> Int? {
        guard let re = try? NSRegularExpression(pattern: pattern),
              let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), m.numberOfRanges > 1,
              let r = Range(m.range(at: 1), in: text) else { return nil }
        return Int(text[r])
    }
}
