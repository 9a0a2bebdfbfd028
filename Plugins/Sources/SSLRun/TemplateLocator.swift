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

    /// The installed SDK a new plugin builds against: `PRETEXT_SDK`, else the prefix this ssl-run is
    /// installed in (`<prefix>/bin/ssl-run`), when it holds `lib/pretext/swift/PretextSDK.swiftmodule`.
    static func sdkPrefix(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let explicit = environment["PRETEXT_SDK"], !explicit.isEmpty { return URL(fileURLWithPath: explicit).standardizedFileURL }
        let exe = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
        let prefix = exe.deletingLastPathComponent().deletingLastPathComponent()
        return isSDK(prefix) ? prefix : nil
    }

    static func isSDK(_ prefix: URL) -> Bool {
        FileManager.default.fileExists(atPath: prefix.appendingPathComponent("lib/pretext/swift/PretextSDK.swiftmodule").path)
            && FileManager.default.fileExists(atPath: prefix.appendingPathComponent("lib/libPretext.so").path)
    }
}
