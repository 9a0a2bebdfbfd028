import PretextNN
import Foundation
import PretextCore

/// The plugins a run was trained with that are not built in (`plugins.json` in the run folder): path,
/// ABI version, size and CRC-32C of the file, and the names each registered. Every command that opens
/// the run again (`--resume`, `eval`, `export`, `finetune`, `embed`, a sweep's resumed cells) loads them
/// first, so a method from a plugin is found without `--plugin`; a plugin that has moved or changed is
/// an error naming the recorded path and the flag that overrides it.
public struct RunPlugins: Codable, Equatable {
    public struct Entry: Codable, Equatable {
        public var path: String
        public var abi: Int32
        public var size: Int
        public var crc32c: UInt32
        /// "method byol", "loss my-loss", … (for messages).
        public var registered: [String]
    }
    public var plugins: [Entry]

    public static let fileName = "plugins.json"

    /// The record for the plugin files `loaded` (real paths), with what each registered in `registry`.
    public static func describing(_ loaded: [String], registry: Registry) throws -> RunPlugins {
        RunPlugins(plugins: try loaded.map { path in
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let names = registry.list().filter { URL(fileURLWithPath: $0.source).resolvingSymlinksInPath().path == path }
                .map { "\($0.kind.rawValue) \($0.name)" }
            return Entry(path: path, abi: PluginABI.hostVersion, size: data.count, crc32c: CRC32C.checksum(data), registered: names)
        })
    }

    /// Writes `plugins.json` into `runDir` (atomically); nothing when there are no plugins to remember.
    public func write(to runDir: URL) throws {
        let url = runDir.appendingPathComponent(RunPlugins.fileName)
        guard !plugins.isEmpty else { try? FileManager.default.removeItem(at: url); return }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try enc.encode(self).write(to: url, options: .atomic) } catch {
            throw RunError.io(path: url.path, detail: "cannot record the run's plugins: \(error.localizedDescription)")
        }
    }

    /// The record of `runDir` (empty when the run used built-in components only).
    public static func read(from runDir: URL) throws -> RunPlugins {
        let url = runDir.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return RunPlugins(plugins: []) }
        do { return try JSONDecoder().decode(RunPlugins.self, from: data) } catch {
            throw RunError.data("\(url.path) is not a record of plugins (\(error)); delete it and pass --plugin for every plugin the run needs")
        }
    }

    /// Loads the plugins `runDir` records into `loader`, unless what they registered is already there
    /// (e.g. given again with `--plugin`, possibly from another path).
    public static func restore(runDir: URL, loader: PluginLoader) throws {
        for entry in try read(from: runDir).plugins {
            if loader.loaded.contains(entry.path) { continue }
            let needed = entry.registered.compactMap { item -> (ComponentKind, String)? in
                let parts = item.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2, let kind = ComponentKind(rawValue: parts[0]) else { return nil }
                return (kind, parts[1])
            }
            if !needed.isEmpty, needed.allSatisfy({ loader.registry.entry($0.0, $0.1) != nil }) { continue }
            let what = entry.registered.isEmpty ? "" : " (registering \(entry.registered.joined(separator: ", ")))"
            guard let data = FileManager.default.contents(atPath: entry.path) else {
                throw RunError.data("the run \(runDir.path) was trained with the plugin \(entry.path)\(what), which is no longer there: pass --plugin PATH with where it is now (or add its folder to PRETEXT_PLUGIN_PATH)")
            }
            let crc = CRC32C.checksum(data)
            guard crc == entry.crc32c, data.count == entry.size else {
                throw RunError.data("the plugin \(entry.path)\(what) has changed since the run \(runDir.path) was trained with it (size \(entry.size) → \(data.count) bytes, CRC-32C \(String(entry.crc32c, radix: 16)) → \(String(crc, radix: 16))): pass --plugin \(entry.path) to use it as it is now")
            }
            try loader.load(URL(fileURLWithPath: entry.path))
        }
    }
}
