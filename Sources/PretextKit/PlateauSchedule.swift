import PretextTensor
import PretextCore

/// ReduceLROnPlateau: multiplies by `factor` when the monitored metric has not improved by more than
/// `threshold` (relative) for `patience` observations; never below `minScale`. The runner feeds it the
/// monitored metric (`monitor`: the epoch's mean loss, or kNN accuracy) once per epoch.
public final class PlateauSchedule: Schedule {
    public let factor: Float
    public let patience: Int
    public let threshold: Double
    public let minScale: Float
    /// "min" for losses, "max" for accuracies.
    public let mode: String
    public private(set) var scale: Float = 1
    private var best: Double?
    private var bad = 0

    public init(factor: Float = 0.1, patience: Int = 10, threshold: Double = 1e-4, minScale: Float = 0, mode: String = "min") {
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.minScale = minScale
        self.mode = mode
    }

    public func value(at step: Int, of total: Int) -> Float { scale }

    public func observe(metric: Double, at step: Int) {
        let improved: Bool
        if let b = best {
            improved = mode == "min" ? metric < b * (1 - threshold * (b >= 0 ? 1 : -1)) : metric > b * (1 + threshold * (b >= 0 ? 1 : -1))
        } else {
            improved = true
        }
        if improved {
            best = metric
            bad = 0
        } else {
            bad += 1
            if bad > patience {
                scale = Swift.max(scale * factor, minScale)
                bad = 0
            }
        }
    }

    /// Saved in checkpoints so resume continues the same schedule: scale, best metric (NaN = none yet),
    /// observations without improvement.
    public var state: [Double] { [Double(scale), best ?? .nan, Double(bad)] }

    public func loadState(_ s: [Double]) throws {
        guard !s.isEmpty else { return }   // a checkpoint of a run that used another schedule
        guard s.count == 3, s[0].isFinite, s[0] >= 0, s[0] <= 1, !s[1].isInfinite, s[2].isFinite, s[2] >= 0, s[2] <= 1e9 else {
            throw TensorError.invalidArgument(op: "plateau schedule", detail: "the checkpoint's schedule state \(s) is not [scale in 0...1, best metric, epochs without improvement ≥ 0]; the checkpoint is damaged: resume from an earlier one")
        }
        scale = Float(s[0])
        best = s[1].isNaN ? nil : s[1]
        bad = Int(s[2])
    }
}
