import PretextCore

/// A per-epoch linear warm-up, then constant: epoch e (0-based) of the first `warmupEpochs` takes
/// `torch.linspace(start, end, warmupEpochs)[e]`, every later epoch `end` — so epoch 0 uses exactly
/// `start` and the last warm-up epoch exactly `end`. DINO's teacher temperature (Caron et al. 2021,
/// arXiv:2104.14294: 0.04 → 0.07 over 30 epochs), computed in Double as the reference does in numpy.
/// The epoch of an optimizer step is `step / stepsPerEpoch`.
public final class LinearWarmupSchedule: Schedule {
    public let start: Float
    public let end: Float
    public let warmupEpochs: Int
    public let stepsPerEpoch: Int

    public init(start: Float, end: Float, warmupEpochs: Int, stepsPerEpoch: Int) {
        self.start = start
        self.end = end
        self.warmupEpochs = warmupEpochs
        self.stepsPerEpoch = Swift.max(stepsPerEpoch, 1)
    }

    public func value(at step: Int, of total: Int) -> Float {
        value(epoch: step / stepsPerEpoch)
    }

    /// The value during epoch `epoch` (0-based).
    public func value(epoch: Int) -> Float {
        guard epoch < warmupEpochs else { return end }
        let n = warmupEpochs
        if n == 1 { return start }
        let e = Swift.max(epoch, 0)
        return Float(Double(start) + (Double(end) - Double(start)) * Double(e) / Double(n - 1))
    }
}
