import Foundation
import Pretext

/// Bytes through `SafeTensors.decode` (the parser behind `SafeTensors.read(from:)`), with and without
/// `allowNonFinite`. Any input must give tensors or a thrown `SafeTensorsError`, never a trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    for allowNonFinite in [false, true] {
        do {
            let file = try SafeTensors.decode(bytes, path: "fuzz-input", allowNonFinite: allowNonFinite)
            for (_, t) in file.tensors { precondition(t.shape.reduce(1, *) == t.count, "tensor size mismatch") }
        } catch is SafeTensorsError {
        } catch {
            fatalError("SafeTensors.decode threw a non-SafeTensorsError: \(error)")
        }
    }
    return 0
}

