import ArgumentParser
import Foundation
import Pretext

/// `ssl-run install --prefix DIR`: copies bin/ssl-run, lib/libPretext.so, the built-in plugins and the
/// templates into a prefix; the installed ssl-run finds its plugins in <prefix>/lib/pretext/plugins.
/// The prefix is also the plugin SDK: the Swift modules of the plugin-facing surface (`PretextSDK` and
/// what it re-exports, plus the opt-in kit modules) in lib/pretext/swift, against which a scaffolded
/// plugin compiles and links (`-lPretext`, resolved by the library's SONAME) without building the framework.
struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install ssl-run, the framework library, the built-in plugins and the templates under a prefix.")

    @Option(help: "Destination prefix (gets bin/, lib/, lib/pretext/plugins/, share/pretext/).") var prefix: String

    /// The modules a plugin may import: the `PretextSDK` umbrella, the modules it re-exports and the opt-in
    /// kit modules. Not the runner (the host's business).
    static let sdkModules = ["PretextTensor", "PretextNN", "PretextData", "PretextCore", "PretextKit", "PretextSDK",
                             "PretextMaskedModeling", "PretextSelfDistillation"]

    func installSDKModules(from buildDir: URL, into dest: URL) throws -> [String] {
        let fm = FileManager.default
        try? fm.removeItem(at: dest)
        try fm.createDirectory(at: dest, withIntermediateDirectories: true)
        // SwiftPM 5.9+ keeps modules in <build>/Modules; older ones beside the products.
        let modulesDir = [buildDir.appendingPathComponent("Modules"), buildDir].first {
            fm.fileExists(atPath: $0.appendingPathComponent("PretextSDK.swiftmodule").path)
        }
        guard let from = modulesDir else {
            throw CommandFailure(message: "no PretextSDK.swiftmodule under \(buildDir.path): build with `swift build -c release --package-path Plugins` first")
        }
        // Yams (the config parser, imported `internal` by PretextCore) is loaded by clients for type layouts.
        for module in Install.sdkModules + ["Yams"] {
            for ext in ["swiftmodule", "swiftdoc"] {
                let file = from.appendingPathComponent("\(module).\(ext)")
                guard fm.fileExists(atPath: file.path) else {
                    if ext == "swiftdoc" { continue }
                    throw CommandFailure(message: "\(file.path) is missing: rebuild with `swift build -c release --package-path Plugins`")
                }
                try fm.copyItem(at: file, to: dest.appendingPathComponent(file.lastPathComponent))
            }
        }
        try installCModuleHeaders(into: dest.appendingPathComponent("include"))
        return ["lib/pretext/swift (the plugin SDK: \(Install.sdkModules.joined(separator: ", ")); C headers in include)"]
    }

    /// The framework's C modules. Its Swift modules import them `internal`, but a client of a module built
    /// without library evolution still loads them (for type layouts), so the SDK carries their headers
    /// and one module map (found through the same `-I` as the Swift modules' `include` folder).
    static let cModules = ["CBLASLoader", "CMPILoader", "CDNNLConv", "CKernels", "CImageCodec"]

    func installCModuleHeaders(into include: URL) throws {
        let fm = FileManager.default
        var moduleMap = "// The framework's C modules, for clients of the Pretext SDK's Swift modules (ssl-run install).\n"
        for module in Install.cModules {
            let from = TemplateLocator.sourceRoot.appendingPathComponent("Sources/\(module)/include")
            let headers = ((try? fm.contentsOfDirectory(atPath: from.path)) ?? []).filter { $0.hasSuffix(".h") }.sorted()
            guard !headers.isEmpty else {
                throw CommandFailure(message: "no headers in \(from.path): install from the build tree of a Pretext checkout")
            }
            let dest = include.appendingPathComponent(module)
            try fm.createDirectory(at: dest, withIntermediateDirectories: true)
            for h in headers { try fm.copyItem(at: from.appendingPathComponent(h), to: dest.appendingPathComponent(h)) }
            moduleMap += "module \(module) {\n" + headers.map { "    header \"\(module)/\($0)\"\n" }.joined() + "    export *\n}\n"
        }
        try moduleMap.write(to: include.appendingPathComponent("module.modulemap"), atomically: true, encoding: .utf8)
    }

    func run() throws {
        let fm = FileManager.default
        let exe = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
        let buildDir = exe.deletingLastPathComponent()
        let root = URL(fileURLWithPath: prefix).standardizedFileURL
        let bin = root.appendingPathComponent("bin"), lib = root.appendingPathComponent("lib")
        let plugins = lib.appendingPathComponent("pretext/plugins"), share = root.appendingPathComponent("share/pretext")
        for d in [bin, lib, plugins, share] { try fm.createDirectory(at: d, withIntermediateDirectories: true) }
        func copy(_ from: URL, _ to: URL) throws {
            try? fm.removeItem(at: to)
            try fm.copyItem(at: from, to: to)
        }
        try copy(exe, bin.appendingPathComponent("ssl-run"))
        var copied = ["bin/ssl-run"]
        for name in (try? fm.contentsOfDirectory(atPath: buildDir.path)) ?? [] where name.hasSuffix(".so") {
            let isPlugin = name.hasPrefix("libPretextPlugin")
            let dest = (isPlugin ? plugins : lib).appendingPathComponent(name)
            try copy(buildDir.appendingPathComponent(name), dest)
            copied.append((isPlugin ? "lib/pretext/plugins/" : "lib/") + name)
        }
        if let templates = TemplateLocator.templatesDirectory() {
            try copy(templates, share.appendingPathComponent("templates"))
            copied.append("share/pretext/templates")
        }
        copied += try installSDKModules(from: buildDir, into: lib.appendingPathComponent("pretext/swift"))
        // The installed binary looks for libPretext.so in ../lib (its rpath has $ORIGIN; add ../lib via a symlink-free copy).
        try? fm.removeItem(at: bin.appendingPathComponent("libPretext.so"))
        try fm.createSymbolicLink(atPath: bin.appendingPathComponent("libPretext.so").path, withDestinationPath: "../lib/libPretext.so")
        print("installed into \(root.path):")
        for c in copied { print("  \(c)") }
        print("run: \(bin.path)/ssl-run list")
        print("new plugin (builds against this prefix in seconds): \(bin.path)/ssl-run new-plugin NAME")
    }
}
