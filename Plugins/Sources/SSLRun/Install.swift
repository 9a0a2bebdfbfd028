import ArgumentParser
import Foundation
import Pretext

/// `ssl-run install --prefix DIR`: copies bin/ssl-run, lib/libPretext.so, the built-in plugins and the
/// templates into a prefix; the installed ssl-run finds its plugins in <prefix>/lib/pretext/plugins.
struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install ssl-run, the framework library, the built-in plugins and the templates under a prefix.")

    @Option(help: "Destination prefix (gets bin/, lib/, lib/pretext/plugins/, share/pretext/).") var prefix: String

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
        try TemplateLocator.frameworkPath().write(to: share.appendingPathComponent("framework-path"), atomically: true, encoding: .utf8)
        // The installed binary looks for libPretext.so in ../lib (its rpath has $ORIGIN; add ../lib via a symlink-free copy).
        try? fm.removeItem(at: bin.appendingPathComponent("libPretext.so"))
        try fm.createSymbolicLink(atPath: bin.appendingPathComponent("libPretext.so").path, withDestinationPath: "../lib/libPretext.so")
        print("installed into \(root.path):")
        for c in copied { print("  \(c)") }
        print("run: \(bin.path)/ssl-run list")
    }
}
