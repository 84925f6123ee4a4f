import Foundation

/// libFuzzer's two entry points. The entry (which parser the bytes go to) is chosen by the environment
/// variable `DENI_FUZZ_ENTRY` (libFuzzer owns the command line); `DENI_FUZZ_FIXTURES` is the folder of the
/// fixed files the entries place around the fuzzed one (default `Fuzz/Fixtures`, from the repository root).
nonisolated(unsafe) private var selected: FuzzEntry!
nonisolated(unsafe) private var scratch: FuzzScratch!

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let environment = ProcessInfo.processInfo.environment
    let names = FuzzEntry.allCases.map(\.rawValue).joined(separator: ", ")
    guard let name = environment["DENI_FUZZ_ENTRY"], let entry = FuzzEntry(rawValue: name) else {
        FileHandle.standardError.write(Data("deni-fuzz: set DENI_FUZZ_ENTRY to one of: \(names)\n".utf8))
        exit(2)
    }
    do {
        scratch = try FuzzScratch(fixtures: URL(fileURLWithPath: environment["DENI_FUZZ_FIXTURES"] ?? "Fuzz/Fixtures"))
    } catch {
        FileHandle.standardError.write(Data("deni-fuzz: cannot prepare the fixtures: \(error)\n".utf8))
        exit(2)
    }
    selected = entry
    // libFuzzer ends with exit(): the scratch folder would outlive the process.
    atexit { try? FileManager.default.removeItem(at: scratch.folder) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    selected.run(Data(bytes: bytes, count: count), in: scratch)
    return 0
}
