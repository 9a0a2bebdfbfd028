import ArgumentParser
import Foundation
import Pretext

/// Options shared by every command that needs the registry: where to find plugins.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: ArgumentHelp(
        "A plugin .so file, or a folder of them, to load in addition to the built-in ones and PRETEXT_PLUGIN_PATH (repeatable).",
        valueName: "path"))
    var plugins: [String] = []

    @Option(help: "Worker threads for the tensor kernels (default: all cores).")
    var threads: Int?

    /// Registers the built-in components and loads every plugin. Plugins found automatically that
    /// fail to load are reported and skipped; a failing `--plugin` is an error.
    @discardableResult
    func boot(quiet: Bool = false) throws -> Host {
        if let threads { Parallel.threads = threads }
        return try Host.boot(explicitPlugins: plugins, quiet: quiet)
    }
}

/// The process-wide set-up: built-ins registered once, plugins loaded once.
final class Host {
    nonisolated(unsafe) static var shared: Host?
    let loader: PluginLoader
    var warnings: [String] = []
    /// Plugin files found in the built-in folders (not recorded in run folders).
    var builtinFiles: Set<String> = []

    private init(loader: PluginLoader) { self.loader = loader }

    static func boot(explicitPlugins: [String], quiet: Bool) throws -> Host {
        if let h = shared { return h }
        try Builtins.register(in: .shared)
        let host = Host(loader: PluginLoader(registry: .shared))
        let exe = URL(fileURLWithPath: CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0] : (Bundle.main.executablePath ?? CommandLine.arguments[0]))
        let builtinDirs = PluginLoader.builtinDirectories(executable: exe)
        let auto = PluginLoader.discover(executable: exe, environment: ProcessInfo.processInfo.environment, explicit: [])
        host.builtinFiles = Set(PluginLoader.discover(executable: exe, environment: [:], explicit: []).map { $0.resolvingSymlinksInPath().path })
        let envDirs = (ProcessInfo.processInfo.environment["PRETEXT_PLUGIN_PATH"] ?? "").split(separator: ":").map(String.init)
        for d in envDirs where !FileManager.default.fileExists(atPath: d) {
            let w = "PRETEXT_PLUGIN_PATH names \(d), which does not exist (no plugins loaded from it)"
            host.warnings.append(w)
            if !quiet { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        }
        Registry.shared.pluginSearchNote = (builtinDirs.map(\.path) + envDirs.map { "\($0) (PRETEXT_PLUGIN_PATH)" }
            + explicitPlugins.map { "\($0) (--plugin)" }).joined(separator: ", ")
        for file in auto {
            do { try host.loader.load(file) } catch {
                host.warnings.append("\(error)")
                if !quiet { FileHandle.standardError.write(Data("warning: \(error)\n".utf8)) }
            }
        }
        for p in explicitPlugins {
            for file in PluginLoader.discover(executable: nil, environment: [:], explicit: [p]) {
                try host.loader.load(file)
            }
        }
        shared = host
        return host
    }

    /// The plugins loaded that are not built in, as a run folder records them.
    func pluginRecord() throws -> RunPlugins {
        try RunPlugins.describing(loader.loaded.filter { !builtinFiles.contains($0) }, registry: .shared)
    }

    /// Loads the plugins the run in `runDir` was trained with (see `RunPlugins`).
    func restorePlugins(of runDir: String) throws {
        do { try RunPlugins.restore(runDir: URL(fileURLWithPath: runDir), loader: loader) } catch {
            throw CommandFailure(message: "\(error)")
        }
    }
}
