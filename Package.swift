// swift-tools-version:6.0
// Module chain (one-way): DeniCore → DeniModel → DeniData → DeniTraining → DeniExperiments → DeniUI → deni
import PackageDescription

import Foundation

/// Release builds target the instruction set of the machine that builds them when it has AVX2 and FMA
/// (Haswell level, x86-64-v3: the engine's 8-lane kernels then run in 256-bit registers instead of pairs of SSE ones).
/// The workbench is always built where it runs (`scripts/setup.sh`), so this is `-march=native` restricted
/// to one well-defined level; elsewhere the baseline x86-64 is kept.
let cpuFlags: [String] = {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
    let have = Set(flags.split(separator: " ").map(String.init))
    return ["avx2", "fma", "bmi2", "movbe", "f16c"].allSatisfy(have.contains) ? ["-target-cpu", "haswell"] : []
}()

let optimize: [SwiftSetting] = [.unsafeFlags(["-O", "-wmo"] + cpuFlags, .when(configuration: .release))]

let package = Package(
    name: "deni",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "deni", targets: ["deni"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        .target(name: "CDeniCPU"),
        .target(name: "CDeniBF16", dependencies: ["CDNNL"], cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))]),
        .target(name: "DeniCore", dependencies: ["CBLAS", "CDNNL", "CDeniCPU", "CDeniBF16", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: optimize),
        .target(name: "DeniModel", dependencies: ["DeniCore"], swiftSettings: optimize),
        .target(name: "DeniData", dependencies: ["DeniCore"], swiftSettings: optimize),
        .target(name: "DeniTraining", dependencies: ["DeniCore", "DeniModel", "DeniData"], swiftSettings: optimize),
        .target(name: "DeniExperiments", dependencies: ["DeniTraining"], swiftSettings: optimize),
        .target(name: "DeniUI", dependencies: ["DeniExperiments", "CNcursesw"], swiftSettings: optimize),
        .executableTarget(name: "deni", dependencies: [
            "DeniUI", "DeniExperiments", "DeniData",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: optimize),
        .testTarget(name: "DeniCoreTests", dependencies: ["DeniCore"]),
        .testTarget(name: "DeniModelTests", dependencies: ["DeniModel"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DeniDataTests", dependencies: ["DeniData"], exclude: ["Fixtures"]),
        .testTarget(name: "DeniTrainingTests", dependencies: ["DeniTraining"]),
        .testTarget(name: "DeniExperimentsTests", dependencies: ["DeniExperiments"]),
        .testTarget(name: "DeniUITests", dependencies: ["DeniUI"], exclude: ["Snapshots"]),
        .testTarget(name: "DeniCLITests", dependencies: ["DeniExperiments", "DeniModel"]),
    ]
)

/// The libFuzzer harness (Fuzz/Harness): built only by scripts/fuzz.sh, which sets DENI_FUZZ=1 and builds in its
/// own scratch path with `-sanitize=fuzzer,address`; every other build leaves it out.
if ProcessInfo.processInfo.environment["DENI_FUZZ"] == "1" {
    package.targets.append(.executableTarget(name: "deni-fuzz", dependencies: ["DeniExperiments"], path: "Fuzz/Harness",
                                             swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
