// swift-tools-version:5.10
// The `ssl-run` command and the built-in method plugins. They live in their own package and use the
// framework's *dynamic* library product from the root package, so the executable and every plugin
// `.so` share one loaded copy of Pretext (a plugin in the framework's own package would get a private
// static copy and register into a registry the host never sees).
import PackageDescription
import Foundation

// A path dependency's package identity is its folder name: whatever the checkout is called.
let framework = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent
let pretext = Target.Dependency.product(name: "Pretext", package: framework)

/// A built-in method plugin: `Sources/Plugin<Name>` built as `libPretextPlugin<Name>.so`. With `module`,
/// the method's own code (the method, its views, …) is the target `Method<Name>` (`Sources/Method<Name>`)
/// and `Plugin<Name>` holds only the two C entry points: `MethodTests` links several methods into one
/// test binary, which could not hold their identically named entry symbols twice.
func plugin(_ name: String, module: Bool = false) -> (Product, [Target]) {
    let product = Product.library(name: "PretextPlugin\(name)", type: .dynamic, targets: ["Plugin\(name)"])
    guard module else { return (product, [.target(name: "Plugin\(name)", dependencies: [pretext])]) }
    return (product, [.target(name: "Method\(name)", dependencies: [pretext]),
                      .target(name: "Plugin\(name)", dependencies: [pretext, .target(name: "Method\(name)")])])
}

/// Methods whose own code is a separate, unit-tested module.
let methodModules = ["Rotation", "Jigsaw"]
let plugins: [(Product, [Target])] = ["SimCLR", "MoCo", "BYOL", "MoCoV3", "SimSiam", "BarlowTwins", "VICReg", "DCL", "NNCLR", "SwAV", "Rotation", "Jigsaw", "DINO", "MAE", "SimMIM", "IBOT"].map {
    plugin($0, module: methodModules.contains($0))
}

let package = Package(
    name: "PretextTools",
    platforms: [.macOS(.v13)],
    products: [.executable(name: "ssl-run", targets: ["SSLRun"])] + plugins.map(\.0),
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(name: "SSLRun", dependencies: [
            pretext, .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "SSLRunTests", dependencies: [pretext]),
        .testTarget(name: "MethodTests", dependencies: [pretext] + methodModules.map { .target(name: "Method\($0)") }),
    ] + plugins.flatMap(\.1)
)
