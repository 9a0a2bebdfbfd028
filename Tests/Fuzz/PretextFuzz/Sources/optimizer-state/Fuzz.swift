import Foundation
import Pretext

/// A checkpoint's `optimizer.safetensors`: bytes through `SafeTensors.decode`, then into the
/// `loadState` of AdamW, SGD and LARS over a small model (parameters `w` [2, 3] and `b` [3], with
/// gradients), and a state that loads is used for one `step`, as a resumed run does. Any input must
/// load and step, or throw, never trap.
func optimizers() -> [any Optimizer] {
    func parameter(_ shape: [Int]) -> Tensor {
        let p = Tensor.full(shape, 0.5, requiresGrad: true)
        p.grad = Tensor.full(shape, 0.25)
        return p
    }
    let groups = [ParameterGroup(name: "all", parameters: [("w", parameter([2, 3])), ("b", parameter([3]))])]
    return [try! AdamW(groups: groups), try! SGD(groups: groups, momentum: 0.9), try! LARS(groups: groups, momentum: 0.9)]
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let file = try? SafeTensors.decode(bytes, path: "optimizer.safetensors") else { return 0 }
    let state = file.dictionary
    for optimizer in optimizers() {
        guard (try? optimizer.loadState(state)) != nil else { continue }
        try? optimizer.step(learningRate: 0.1)
        _ = optimizer.state()
    }
    return 0
}
