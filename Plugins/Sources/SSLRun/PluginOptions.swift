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

    private init(loader: PluginLoader) { self.loader = loader }

    static func boot(explicitPlugins: [String], quiet: Bool) throws -> Host {
        if let h = shared { return h }
        try Builtins.register(in: .shared)
        let host = Host(loader: PluginLoader(registry: .shared))
        let exe = URL(fileURLWithPath: CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0] : (Bundle.main.executablePath ?? CommandLine.arguments[0]))
        let auto = PluginLoader.discover(executable: exe, environment: ProcessInfo.processInfo.environment, explicit: [])
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
}
