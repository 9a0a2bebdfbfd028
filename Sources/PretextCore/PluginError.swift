import PretextTensor
/// Why a plugin was not loaded; each names the file and says what to do.
public enum PluginError: Error, CustomStringConvertible {
    case notFound(path: String)
    case notSharedLibrary(path: String, detail: String)
    case noEntryPoint(path: String, symbol: String)
    case abiMismatch(path: String, plugin: Int32, host: Int32)
    case registrationFailed(path: String, detail: String)

    public var description: String {
        switch self {
        case let .notFound(path):
            return "plugin '\(path)' does not exist (check --plugin / PRETEXT_PLUGIN_PATH)"
        case let .notSharedLibrary(path, detail):
            return "'\(path)' could not be loaded as a shared library: \(detail)\n  a plugin is a .so built with `swift build` from a package made by `ssl-run new-plugin`"
        case let .noEntryPoint(path, symbol):
            return "'\(path)' is a shared library but not a Pretext plugin: it has no '\(symbol)' entry point\n  plugins declare it with @_cdecl(\"\(symbol)\") (see templates/plugin)"
        case let .abiMismatch(path, plugin, host):
            return "plugin '\(path)' was built for Pretext plugin ABI \(plugin) (surface \(PluginABI.hex(plugin))), but this ssl-run has ABI \(host) (surface \(PluginABI.hex(host))): the framework's plugin-facing declarations differ; rebuild the plugin against this version of Pretext (swift build in the plugin's package)"
        case let .registrationFailed(path, detail):
            return "plugin '\(path)' failed while registering: \(detail)"
        }
    }
}
