/// Turns one decoded image into the views a method trains on (a multi-view preset such as
/// `SimCLRViews`, or `SingleView` for evaluation).
///
/// All randomness comes from `rng`, which the loader derives from (seed, epoch, sample index), so the
/// same seed gives the same views whatever the number of loader threads. Implementations must hold no
/// mutable state: the loader calls one instance from several threads at once.
public protocol Transform {
    func callAsFunction(_ image: Image, _ rng: inout RNG) -> Views
}
