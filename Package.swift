// swift-tools-version:5.10
// Pretext: the framework package. Its one library product is dynamic so that `ssl-run` and every method
// plugin (built in other packages, see Plugins/ and templates/) share one loaded copy of it; see README.
import PackageDescription

let package = Package(
    name: "Pretext",
    platforms: [.macOS(.v13)],
    products: [
        // PretextMaskedModeling (MAE, SimMIM, iBOT's mask token) and PretextSelfDistillation (DINO, iBOT):
        // opt-in kit parts in the same library, outside the plugin umbrella PretextSDK, so only plugins that
        // import them depend on them.
        .library(name: "Pretext", type: .dynamic, targets: ["Pretext", "PretextSDK", "PretextMaskedModeling", "PretextSelfDistillation"]),
        .executable(name: "pretext-bench", targets: ["PretextBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // OpenBLAS is opened with dlopen (kernel chosen from CPU features first), not linked: see BLASLibrary.
        .target(name: "CBLASLoader", path: "Sources/CBLASLoader"),
        // Open MPI is opened with dlopen only under mpirun, not linked: see ProcessGroup.
        .target(name: "CMPILoader", path: "Sources/CMPILoader"),
        .target(name: "CImageCodec", path: "Sources/CImageCodec",
                linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg")]),
        // Convolutions on oneDNN (Debian libdnnl-dev), chosen per call by ConvBackend.
        .target(name: "CDNNLConv", path: "Sources/CDNNLConv",
                linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        // Elementwise kernels compiled per x86-64 level and picked by CPU features at load time.
        .target(name: "CKernels", path: "Sources/CKernels"),
        .target(name: "PretextTensor", dependencies: ["CBLASLoader", "CMPILoader", "CDNNLConv", "CKernels"]),
        .target(name: "PretextNN", dependencies: ["PretextTensor", "CKernels"]),
        .target(name: "PretextData", dependencies: ["PretextTensor", "CImageCodec"]),
        .target(name: "PretextCore", dependencies: ["PretextNN", "PretextData", "CKernels", .product(name: "Yams", package: "Yams")]),
        .target(name: "PretextKit", dependencies: ["PretextCore"]),
        .target(name: "PretextRunner", dependencies: ["PretextKit"]),
        .target(name: "PretextMaskedModeling", dependencies: ["PretextKit"]),
        .target(name: "PretextSelfDistillation", dependencies: ["PretextKit", "PretextMaskedModeling"]),
        // The plugin-facing umbrella (everything but the runner); part of the same dynamic library.
        .target(name: "PretextSDK", dependencies: ["PretextTensor", "PretextNN", "PretextData", "PretextCore", "PretextKit"]),
        // The library's SONAME (libPretext.so): a plugin built against the installed SDK records it as
        // DT_NEEDED and shares the host's loaded copy (see `ssl-run install`).
        .target(name: "Pretext", dependencies: ["PretextTensor", "PretextNN", "PretextData",
                                                "PretextCore", "PretextKit", "PretextRunner"],
                linkerSettings: [.unsafeFlags(["-Xlinker", "-soname=libPretext.so"])]),
        .executableTarget(name: "PretextBench", dependencies: ["PretextTensor", "PretextNN", "PretextData", "PretextKit", "PretextMaskedModeling", "PretextSelfDistillation"]),
        .testTarget(name: "PretextTensorTests", dependencies: ["PretextTensor", "CKernels"]),
        .testTarget(name: "PretextDataTests", dependencies: ["PretextData", "PretextSelfDistillation"]),
        .testTarget(name: "PretextNNTests", dependencies: ["PretextNN", "CKernels", "PretextSelfDistillation"]),
        .testTarget(name: "PretextKitTests", dependencies: ["PretextKit", "PretextMaskedModeling", "PretextSelfDistillation"]),
        .testTarget(name: "PretextCoreTests", dependencies: ["PretextCore"]),
        .testTarget(name: "PretextRunnerTests", dependencies: ["PretextRunner"]),
    ]
)
