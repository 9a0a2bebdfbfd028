import Foundation
import PretextCore
import PretextData
import PretextNN

/// What a configuration will need before anything of that size is allocated: the parameters of the
/// built networks (with gradients and two optimizer slots), one batch of input views at the sides the
/// method's transform makes, and the activations the backbone keeps for backward on that batch
/// (`Backbone.activationFloats`; DINO's global and local crops each at its own side).
/// A run that cannot fit in this machine's memory is refused with the figures and the keys to lower,
/// instead of dying in the allocator or the OOM killer (`views.input_size=100000`, `data.batch_size=1e6`).
public struct MemoryEstimate {
    public var parameterBytes: Double
    public var inputBytes: Double
    public var largestSide: Int
    public var sideKey: String
    public var activationBytes: Double

    /// Parameters of `modules` × 4 (weights, gradients, two optimizer slots); inputs: batch × 3 × side²
    /// floats for each view of `viewSides`; activations: the backbone's per view at that view's side.
    /// `sideKey` is the configuration key the messages tell the user to lower.
    public init(modules: [String: Module], backbone: (any Backbone)? = nil, viewSides: [Int], sideKey: String, batchSize: Int) {
        var params = 0.0
        for m in modules.values { for (_, t) in m.namedParameters() { params += Double(t.count) } }
        parameterBytes = params * 4 * 4
        largestSide = viewSides.max() ?? 0
        self.sideKey = sideKey
        inputBytes = Double(batchSize) * viewSides.reduce(0.0) { $0 + 3 * Double($1) * Double($1) } * 4
        activationBytes = 0
        if let backbone {
            activationBytes = Double(batchSize) * viewSides.reduce(0.0) { $0 + backbone.activationFloats(side: $1) } * 4
        }
    }

    /// The estimate for a method's transform: its own view sides (`Transform.viewSides`), or, for a
    /// transform that cannot tell, two views (plus `local_views`) at the largest side a `views` key sets.
    public init(modules: [String: Module], backbone: (any Backbone)? = nil, transform: (any Transform)? = nil,
                views: ConfigSection, batchSize: Int) {
        let keys = ["input_size", "global_crop_size", "local_crop_size", "resize", "center_crop", "tile_size"]
        func value(_ k: String) -> Int? { if case let .int(v)? = views.values[k] { return v }; return nil }
        var sides = transform?.viewSides ?? []
        if sides.isEmpty {
            var count = 2
            if let v = value("local_views") { count += max(0, v) }
            sides = Array(repeating: keys.compactMap(value).max() ?? 0, count: count)
        }
        // The key that sets the largest side, for the messages (the transform's default when none does).
        let key = keys.first { value($0) == sides.max() }.map { "views.\($0)" } ?? "views.input_size"
        self.init(modules: modules, backbone: backbone, viewSides: sides, sideKey: key, batchSize: batchSize)
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
