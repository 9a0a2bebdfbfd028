import Foundation
import PretextTensor
/// The plugin binary interface.
///
/// A plugin exports two C symbols (see `templates/plugin`):
/// `pretext_plugin_abi_version() -> Int32`, returning `PluginABI.compiledVersion` — inlined into the
/// plugin when it is compiled, so it reports the framework it was built against — and
/// `pretext_plugin_register() -> Int32`, which calls `PluginABI.register { registry in … }`.
/// The host compares the reported version with `hostVersion` before running anything else of the
/// plugin: a plugin built against another framework version would crash on the first changed
/// protocol requirement, so it is refused with a message instead.
///
/// The version is not a number anyone bumps: it is the identity of the plugin-facing surface (a hash
/// of the declarations of PretextTensor, NN, Data, Core and Kit), written into
/// `PluginABI+Surface.swift` by `PluginABISurfaceTests`, which fails whenever the sources no longer
/// match it and says how to regenerate it (`PRETEXT_UPDATE_ABI=1 swift test --filter PluginABISurface`).
public enum PluginABI {

    public static let versionSymbol = "pretext_plugin_abi_version"
    public static let registerSymbol = "pretext_plugin_register"

    /// The error of the last failed `register` (read by the loader right after the call).
    nonisolated(unsafe) public internal(set) static var lastError: String?

    /// The registry a `PluginLoader` is loading into right now (nil: none, plugins register into `shared`).
    nonisolated(unsafe) static var loadingInto: Registry?
    /// Serialises plugin loads, so `loadingInto` and `lastError` belong to one load at a time.
    static let loadLock = NSLock()

    /// Runs a plugin's registrations against the registry its loader was given (`Registry.shared` for
    /// the host's loader); returns 0, or 1 with `lastError` set.
    public static func register(_ body: (Registry) throws -> Void) -> Int32 {
        do {
            try body(loadingInto ?? Registry.shared)
            return 0
        } catch {
            lastError = "\(error)"
            return 1
        }
    }
}

extension PluginABI {
    /// An identity as 8 hex digits (for messages).
    public static func hex(_ identity: Int32) -> String {
        let s = String(UInt32(bitPattern: identity), radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}
