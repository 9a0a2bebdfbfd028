import CFuzzerDriver

/// The executable's entry point (SwiftPM links it as `main`, see Package.swift): libFuzzer's driver
/// on `LLVMFuzzerTestOneInput`.
@_cdecl("fuzz_image_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return withUnsafePointer(to: UInt8(0)) { fuzz($0, 0) } }
        return fuzz(data, size)
    }
}
