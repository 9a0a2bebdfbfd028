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
        """))

    @Argument(help: "Method name, e.g. my-method (the registry key; the Swift type becomes MyMethod).") var name: String
    @Option(help: "Folder to create (default: ./<name>).") var output: String?
    @Option(help: "Path of the Pretext framework package the plugin builds against (default: the one this ssl-run was built from).")
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
        let frameworkPath = URL(fileURLWithPath: framework ?? TemplateLocator.frameworkPath()).standardizedFileURL.path
        guard fm.fileExists(atPath: frameworkPath + "/Package.swift") else {
            throw CommandFailure(message: "'\(frameworkPath)' is not the Pretext framework package (no Package.swift); pass --framework PATH")
        }
        let substitutions = ["__NAME__": typeName, "__KEY__": key, "__FRAMEWORK_PATH__": frameworkPath]
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
            if target.hasSuffix(".template") { target = String(target.dropLast(".template".count)) }
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
        print("created plugin '\(key)' in \(dest.path):")
        for w in written.sorted() { print("  \(w)") }
        print("""
        next:
          cd \(dest.path) && swift build -c release
          ssl-run --plugin \(dest.path)/.build/release/lib\(typeName).so --method \(key) --epochs 1
        """)
    }
}
