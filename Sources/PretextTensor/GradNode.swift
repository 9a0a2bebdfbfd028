internal import CKernels
/// One recorded operation on the autograd tape: its inputs and how to turn the gradient of its output
/// into gradients of those inputs (micrograd's `_backward`, one per op).
final class GradNode {
    let op: String
    let inputs: [Tensor]
    /// Given dLoss/dOutput, returns dLoss/dInput for each input (nil where an input needs none).
    let backward: (Tensor) throws -> [Tensor?]

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether ops record the autograd tape. Off inside `noGrad { }` (evaluation, EMA updates, optimizers).
/// Per thread, as `torch.is_grad_enabled()`: a no-grad region on one thread (evaluation, a teacher's
/// forward pass) never turns recording off for another (a data-loader worker, a second run).
public enum GradMode {
    public private(set) static var isEnabled: Bool {
        get { pretext_grad_enabled() != 0 }
        set { pretext_set_grad_enabled(newValue ? 1 : 0) }
    }

    /// Runs `body` without recording gradients; restores the previous mode afterwards.
    public static func withEnabled<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
        let saved = isEnabled
        isEnabled = enabled
        defer { isEnabled = saved }
        return try body()
    }
}

/// Runs `body` with gradient recording off, like `torch.no_grad()`.
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.withEnabled(false, body)
}
