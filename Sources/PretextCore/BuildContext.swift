import Foundation
import PretextTensor

/// What every factory gets besides its config section: the registry (to build parts from other
/// entries) and the seeded generator for weight initialisation.
public final class BuildContext {
    public let registry: Registry
    public var rng: RNG
    /// Optimizer steps per epoch and epochs of the run (schedules convert epochs to steps with them).
    public var stepsPerEpoch: Int = 1
    public var epochs: Int = 1
    /// The run folder (set by the trainer; nil when a method is only rebuilt, e.g. for export), for
    /// artefacts a method writes itself, such as MAE's reconstruction images.
    public var outputDirectory: URL?

    public init(registry: Registry = .shared, seed: UInt64) {
        self.registry = registry
        self.rng = RNG(seed: seed, stream: 0x1417)
    }
}
