import ArgumentParser
import Foundation
import Pretext

/// `ssl-run new-plugin NAME`: scaffold a method plugin package from `templates/plugin`.
struct NewPlugin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-plugin",
        abstract: "Create a new method plugin package from the template.",
        discussion: HelpText.reflow("""
        The package builds with `swift build -c release` in its folder and then runs with
          ssl-run --plugin <folder>/.build/release/lib<Name>.so --method <name>
        It compiles against an installed Pretext SDK (`ssl-run install --prefix P` makes one): the prefix \
        of this ssl-run when it is installed, else --sdk or PRETEXT_SDK; nothing of the framework is \
        rebuilt, so the first build takes seconds. --framework PATH builds against a source checkout \
        instead (the whole framework compiles with the plugin: minutes), for work on the framework itself.
        """))

    @Argument(help: "Method name, e.g. my-method (the registry key; the Swift type becomes MyMethod).") var name: String
    @Option(help: "Folder to create (default: ./<name>).") var output: String?
    @Option(help: "Prefix of the installed Pretext SDK to build against (default: $PRETEXT_SDK, else this ssl-run's install prefix).")
    var sdk: String?
    @Option(help: "Build against this source checkout of the framework instead of an SDK (for framework work; minutes).")
    var framework: String?

    func run() throws {
        let key = name.lowercased()
        guard !key.isEmpty, key.first!.isLetter, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw CommandFailure(message: "'\(name)' is not a valid method name: use letters, digits, '-' or '_', starting with a letter")
        }
        let typeName = key.split(whereSeparator: { $0 == "-" || $0 == "_" }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        guard let templates = TemplateLocator.templatesDirectory() else {
            throw CommandFailure(message: "cannot find the plugin template (templates/plugin); reinstall ssl-run with `ssl-run install`")
        }
        let dest = URL(fileURLWithPath: output ?? key)
        let fm = FileManager.default
        if fm.fileExists(atPath: dest.path), let c = try? fm.contentsOfDirectory(atPath: dest.path), !c.isEmpty {
            throw CommandFailure(message: "'\(dest.path)' already exists and is not empty; choose another --output")
        }
        let (packageTemplate, substitution) = try frameworkSubstitution()
        let substitutions = ["__NAME__": typeName, "__KEY__": key].merging(substitution) { $1 }
        let src = templates.appendingPathComponent("plugin")
        guard let walker = fm.enumerator(atPath: src.path) else {
            throw CommandFailure(message: "cannot read \(src.path)")
        }
        var written: [String] = []
        for case let rel as String in walker {
            let from = src.appendingPathComponent(rel)
            var isDir: ObjCBool = false
            fm.fileExists(atPath: from.path, isDirectory: &isDir)
            var target = rel
            for (k, v) in substitutions { target = target.replacingOccurrences(of: k, with: v) }
            if target.hasPrefix("Package.swift.") {
                guard target == packageTemplate else { continue }
                target = "Package.swift"
            }
            let to = dest.appendingPathComponent(target)
            if isDir.boolValue {
                try fm.createDirectory(at: to, withIntermediateDirectories: true)
                continue
            }
            var text = try String(contentsOf: from, encoding: .utf8)
            for (k, v) in substitutions { text = text.replacingOccurrences(of: k, with: v) }
            try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: to, atomically: true, encoding: .utf8)
            written.append(target)
        }
        print(packageTemplate == "Package.swift.template"
              ? "builds against the Pretext SDK in \(substitutions["__SDK_PATH__"]!) (PRETEXT_SDK overrides)"
              : "builds against the framework checkout \(substitutions["__FRAMEWORK_PATH__"]!) (first build: minutes)")
        print("created plugin '\(key)' in \(dest.path):")
        for w in written.sorted() { print("  \(w)") }
        print("""
        next:
          cd \(dest.path) && swift build -c release
          ssl-run --plugin \(dest.path)/.build/release/lib\(typeName).so --method \(key) --epochs 1
        """)
    }

    /// The Package.swift variant and what fills it: the SDK (default) or a source checkout (--framework).
    func frameworkSubstitution() throws -> (template: String, [String: String]) {
        let fm = FileManager.default
        if let framework {
            let path = URL(fileURLWithPath: framework).standardizedFileURL.path
            guard fm.fileExists(atPath: path + "/Package.swift") else {
                throw CommandFailure(message: "'\(path)' is not the Pretext framework package (no Package.swift); pass --framework PATH")
            }
            return ("Package.swift.checkout", ["__FRAMEWORK_PATH__": path])
        }
        let prefix = sdk.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? TemplateLocator.sdkPrefix()
        guard let prefix else {
            throw CommandFailure(message: """
                no Pretext SDK to build the plugin against: this ssl-run is not installed. Run \
                `ssl-run install --prefix ~/.local` and use ~/.local/bin/ssl-run new-plugin (plugins then build \
                in seconds), or pass --sdk PREFIX / set PRETEXT_SDK, or --framework PATH to build against a \
                source checkout (minutes)
                """)
        }
        guard TemplateLocator.isSDK(prefix) else {
            throw CommandFailure(message: "'\(prefix.path)' is not a Pretext SDK (no lib/pretext/swift/PretextSDK.swiftmodule or lib/libPretext.so): make one with `ssl-run install --prefix \(prefix.path)`")
        }
        return ("Package.swift.template", ["__SDK_PATH__": prefix.path])
    }
}
