// swift-tools-version:6.0
// Module chain (one-way): DeniCore → DeniModel → DeniData → DeniTraining → DeniExperiments → DeniUI → deni
import PackageDescription

let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let package = Package(
    name: "deni",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "deni", targets: ["deni"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        .target(name: "DeniCore", dependencies: ["CBLAS", "CDNNL"], swiftSettings: optimize),
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
        .testTarget(name: "DeniDataTests", dependencies: ["DeniData"]),
        .testTarget(name: "DeniTrainingTests", dependencies: ["DeniTraining"]),
        .testTarget(name: "DeniExperimentsTests", dependencies: ["DeniExperiments"]),
        .testTarget(name: "DeniUITests", dependencies: ["DeniUI"], exclude: ["Snapshots"]),
        .testTarget(name: "DeniCLITests", dependencies: ["DeniExperiments", "DeniModel"]),
    ]
)
