import Foundation
import PretextCore
import PretextNN

/// What a configuration will need before anything of that size is allocated: the parameters of the
/// built networks (with gradients and two optimizer slots), one batch of input views at the largest
/// side the `views` section asks for, and the activations the backbone keeps for backward on that
/// batch (`Backbone.activationFloats`; DINO-style global and local crops counted at their own sides).
/// A run that cannot fit in this machine's memory is refused with the figures and the keys to lower,
/// instead of dying in the allocator or the OOM killer (`views.input_size=100000`, `data.batch_size=1e6`).
public struct MemoryEstimate {
    public var parameterBytes: Double
    public var inputBytes: Double
    public var largestSide: Int
    public var sideKey: String
    public var activationBytes: Double

    /// Parameters of `modules` × 4 (weights, gradients, two optimizer slots); inputs: batch × views ×
    /// 3 × side² floats, with 2 views unless the method makes more (DINO's local crops: `local_views`).
    public init(modules: [String: Module], backbone: (any Backbone)? = nil, views: ConfigSection, batchSize: Int) {
        var params = 0.0
        for m in modules.values { for (_, t) in m.namedParameters() { params += Double(t.count) } }
        parameterBytes = params * 4 * 4
        var side = 0, key = "views.input_size"
        for k in ["input_size", "global_crop_size", "local_crop_size", "resize", "center_crop", "tile_size"] {
            if case let .int(v)? = views.values[k], v > side { side = v; key = "views.\(k)" }
        }
        largestSide = side
        sideKey = key
        var count = 2.0
        if case let .int(v)? = views.values["local_views"] { count += Double(max(0, v)) }
        inputBytes = Double(batchSize) * count * 3 * Double(side) * Double(side) * 4
        activationBytes = 0
        if let backbone {
            var perImage = 0.0
            if case let .int(global)? = views.values["global_crop_size"] {
                perImage = 2 * backbone.activationFloats(side: global)
                if case let .int(local)? = views.values["local_crop_size"] {
                    perImage += (count - 2) * backbone.activationFloats(side: local)
                }
            } else {
                perImage = count * backbone.activationFloats(side: side)
            }
            activationBytes = Double(batchSize) * perImage * 4
        }
    }

    /// Throws when the estimate exceeds this machine's physical memory.
    public func check(physicalMemory: Double = Double(ProcessInfo.processInfo.physicalMemory)) throws {
        func gb(_ b: Double) -> String { String(format: "%.1f GB", b / 1e9) }
        if inputBytes > physicalMemory / 2 {
            throw ConfigError.invalidValue(path: sideKey, detail: "is \(largestSide) px: one batch of input views alone needs \(gb(inputBytes)), more than half of this machine's \(gb(physicalMemory)); lower \(sideKey) or data.batch_size")
        }
        if parameterBytes > physicalMemory / 2 {
            throw ConfigError.invalidValue(path: "method", detail: "the networks' parameters with gradients and optimizer state need \(gb(parameterBytes)), more than half of this machine's \(gb(physicalMemory)); lower the backbone or head widths")
        }
        let total = parameterBytes + inputBytes + activationBytes
        if total > physicalMemory {
            throw ConfigError.invalidValue(path: "data.batch_size", detail: "with \(sideKey) = \(largestSide) px, one training step needs about \(gb(total)) (activations kept for backward \(gb(activationBytes)), input views \(gb(inputBytes)), parameters with gradients and optimizer state \(gb(parameterBytes))), more than this machine's \(gb(physicalMemory)); lower data.batch_size (or use train.accumulate to keep the effective batch), \(sideKey), or the backbone")
        }
    }
}
