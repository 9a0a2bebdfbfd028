import ArgumentParser
import Pretext

/// `ssl-run defaults METHOD`: print a method's default configuration (commented YAML) to start a config file.
struct Defaults: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a method's default configuration as commented YAML.")

    @Argument(help: "Method name.") var method: String
    @OptionGroup var pluginOptions: PluginOptions

    func run() throws {
        try pluginOptions.boot()
        guard let e = Registry.shared.entry(.method, method) else {
            let valid = Registry.shared.names(.method)
            throw CommandFailure(message: "\(ConfigError.unknownName(kind: "method", name: method, suggestion: Suggest.closest(to: method, in: valid), valid: valid))")
        }
        print("# defaults of method '\(e.name)' (\(e.source))")
        print(RunSpec.baseDefaults)
        print(e.defaults)
    }
}
