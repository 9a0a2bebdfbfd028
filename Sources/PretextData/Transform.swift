/// Turns one decoded image into the views a method trains on (a multi-view preset such as
/// `SimCLRViews`, or `SingleView` for evaluation).
///
/// All randomness comes from `rng`, which the loader derives from (seed, epoch, sample index), so the
/// same seed gives the same views whatever the number of loader threads. Implementations must hold no
/// mutable state: the loader calls one instance from several threads at once.
public protocol Transform {
    func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views

    /// The side in pixels of each view made from one image, in order (DINO: the two global crops, then
    /// the local ones). The runner's memory check counts inputs and activations from it; empty when the
    /// transform cannot tell (an arbitrary augmentation pipeline), and then the `views` keys are read.
    var viewSides: [Int] { get }
}

extension Transform {
    public var viewSides: [Int] { [] }
}
