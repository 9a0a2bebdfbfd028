import PretextSDK

// The two C entry points every Pretext plugin exports. ssl-run calls the first before anything else:
// `PluginABI.compiledVersion` is compiled into this library, so a plugin built against another Pretext
// is refused with a message instead of crashing. Then it calls the second to register the method.

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { registry in try __NAME__.register(in: registry) }
}
