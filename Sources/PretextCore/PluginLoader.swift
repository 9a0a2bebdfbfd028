import PretextTensor
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Finds and loads plugin shared libraries into the process, once each.
///
/// `dlopen(RTLD_NOW | RTLD_LOCAL)` so a missing symbol fails at load time with a message; never
/// `dlclose` (Swift metadata from a plugin must outlive every object it made). Plugins are found in
/// the built-in folder next to the executable (`libPretextPlugin*.so` beside it in a build tree, or
/// `../lib/pretext/plugins/` in an installed prefix), each folder of `PRETEXT_PLUGIN_PATH`, and every
/// `--plugin PATH` (a file or a folder). A plugin's registrations land in this loader's `registry`.
public final class PluginLoader {
    public let registry: Registry
    public private(set) var loaded: [String] = []

    public init(registry: Registry = .shared) { self.registry = registry }

    /// Built-in plugin folders for an executable at `executable`.
    public static func builtinDirectories(executable: URL) -> [URL] {
        let dir = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        return [dir, dir.appendingPathComponent("plugins"),
                dir.deletingLastPathComponent().appendingPathComponent("lib/pretext/plugins")]
    }

    /// Plugin files in a folder: built-in ones are named `libPretextPlugin*.so`; in other folders every `.so`.
    public static func pluginFiles(in dir: URL, builtinNaming: Bool) -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.filter { name in
            name.hasSuffix(".so") && (!builtinNaming || name.hasPrefix("libPretextPlugin"))
        }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// Every plugin file to load for these sources, in order, without duplicates.
    public static func discover(executable: URL?, environment: [String: String], explicit: [String]) -> [URL] {
        var files: [URL] = []
        if let executable {
            for d in builtinDirectories(executable: executable) {
                files += pluginFiles(in: d, builtinNaming: d.lastPathComponent != "plugins")
            }
        }
        for d in (environment["PRETEXT_PLUGIN_PATH"] ?? "").split(separator: ":") where !d.isEmpty {
            files += pluginFiles(in: URL(fileURLWithPath: String(d)), builtinNaming: false)
        }
        for p in explicit {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
                files += pluginFiles(in: URL(fileURLWithPath: p), builtinNaming: false)
            } else {
                files.append(URL(fileURLWithPath: p))
            }
        }
        var seen = Set<String>()
        return files.filter { seen.insert($0.standardizedFileURL.resolvingSymlinksInPath().path).inserted }
    }

    /// Loads one plugin: checks its ABI version, then runs its registrations (all or nothing).
    public func load(_ file: URL) throws {
        let path = file.path
        guard FileManager.default.fileExists(atPath: path) else { throw PluginError.notFound(path: path) }
        let real = file.resolvingSymlinksInPath().path
        if loaded.contains(real) { return }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let detail = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw PluginError.notSharedLibrary(path: path, detail: detail)
        }
        guard let versionSym = dlsym(handle, PluginABI.versionSymbol) else {
            throw PluginError.noEntryPoint(path: path, symbol: PluginABI.versionSymbol)
        }
        let version = unsafeBitCast(versionSym, to: (@convention(c) () -> Int32).self)()
        guard version == PluginABI.hostVersion else {
            throw PluginError.abiMismatch(path: path, plugin: version, host: PluginABI.hostVersion)
        }
        guard let registerSym = dlsym(handle, PluginABI.registerSymbol) else {
            throw PluginError.noEntryPoint(path: path, symbol: PluginABI.registerSymbol)
        }
        let register = unsafeBitCast(registerSym, to: (@convention(c) () -> Int32).self)
        PluginABI.loadLock.lock()
        PluginABI.loadingInto = registry
        defer { PluginABI.loadingInto = nil; PluginABI.loadLock.unlock() }
        do {
            try registry.transaction(source: path) {
                PluginABI.lastError = nil
                let status = PluginCrashReport.running("the registration function of plugin \(path)", { register() })
                if status != 0 {
                    throw PluginError.registrationFailed(path: path, detail: PluginABI.lastError
                        ?? "\(PluginABI.registerSymbol) returned \(status) without a reason (register through PluginABI.register { … }, which reports the error its body throws)")
                }
            }
        } catch let e as PluginError {
            throw e
        } catch {
            throw PluginError.registrationFailed(path: path, detail: "\(error)")
        }
        loaded.append(real)
    }
}
