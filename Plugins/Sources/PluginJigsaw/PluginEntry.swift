import PretextSDK
import MethodJigsaw

// The plugin's two C entry points; the method's code is the MethodJigsaw module (unit-tested in MethodTests,
// which cannot link these symbols twice).

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { try JigsawPlugin.register(in: $0) }
}
