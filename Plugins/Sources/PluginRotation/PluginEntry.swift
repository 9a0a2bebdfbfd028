import PretextSDK
import MethodRotation

// The plugin's two C entry points; the method's code is the MethodRotation module (unit-tested in MethodTests,
// which cannot link these symbols twice).

@_cdecl("pretext_plugin_abi_version")
public func pretextPluginABIVersion() -> Int32 { PluginABI.compiledVersion }

@_cdecl("pretext_plugin_register")
public func pretextPluginRegister() -> Int32 {
    PluginABI.register { try RotationPlugin.register(in: $0) }
}
