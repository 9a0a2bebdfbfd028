import Foundation

/// Where `ssl-run` finds `templates/`: next to an installed copy (`<prefix>/share/pretext/templates`),
/// or in the source tree it was built from.
enum TemplateLocator {
    static func templatesDirectory() -> URL? {
        let exe = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            exe.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("share/pretext/templates"),
            sourceRoot.appendingPathComponent("templates"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("plugin").path) }
    }

    /// The repository this binary was built from (Plugins/Sources/SSLRun/<file> → repo root).
    static var sourceRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The framework package a new plugin depends on: an installed copy records it in share/pretext/framework-path.
    static func frameworkPath() -> String {
        let exe = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
        let recorded = exe.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("share/pretext/framework-path")
        if let text = try? String(contentsOf: recorded, encoding: .utf8) {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return sourceRoot.path
    }
}
