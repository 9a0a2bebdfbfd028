// swift-tools-version:5.10
// libFuzzer targets for Pretext's parsers of untrusted files: images (PNG/JPEG), safetensors, the
// checkpoint's state.json and optimizer state, and the YAML config. A package of its own, like
// Plugins/, so the root package's build and tests are unchanged; build and run them with `run.sh`
// (it adds `-sanitize=fuzzer,address`, which every target here needs: they have no `main`).
import PackageDescription
import Foundation

// A path dependency's package identity is its folder name: whatever the checkout is called. (This
// package sits in Tests/Fuzz/PretextFuzz, not Tests/Fuzz, so that its own identity, "pretextfuzz",
// does not collide with a checkout named "fuzz".)
let framework = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent
let pretext = Target.Dependency.product(name: "Pretext", package: framework)

/// `Sources/<name>` as the executable `fuzz-<name>`. Its `LLVMFuzzerTestOneInput` is the target; its
/// entry point hands it to libFuzzer's driver. (SwiftPM links an executable target's `main` under the
/// name `<module>_main` with `--defsym main=<module>_main`, which takes the place of libFuzzer's own
/// `main`; so each target defines `fuzz_<name>_main` and calls `LLVMFuzzerRunDriver`. The sources are
/// compiled with `-parse-as-library`: no top-level code, globals initialised lazily.)
func fuzzTarget(_ name: String) -> Target {
    .executableTarget(name: "fuzz-\(name)", dependencies: [pretext, "CFuzzerDriver"], path: "Sources/\(name)",
                      swiftSettings: [.unsafeFlags(["-parse-as-library"])])
}

let package = Package(
    name: "PretextFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "../../..")],
    targets: [.target(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver")]
        + ["image", "safetensors", "checkpoint-state", "optimizer-state", "config"].map(fuzzTarget)
)
