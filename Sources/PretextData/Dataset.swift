/// A random-access collection of labelled (or unlabelled) images.
///
/// Conformers must be safe to read from several loader threads at once (`Sendable`): `image(at:)`
/// decodes or generates on demand and keeps no mutable state.
public protocol Dataset: Sendable {
    /// Number of samples.
    var count: Int { get }
    /// Class names; label `i` is `classNames[i]`. Empty for unlabelled data.
    var classNames: [String] { get }
    /// The label of sample `index`, nil when unlabelled.
    func label(at index: Int) -> Int?
    /// The decoded image of sample `index` (throws `DataError` naming the file when it cannot be read).
    func image(at index: Int) throws -> Image
    /// A stable name for sample `index` (its file path relative to the dataset root), for embedding
    /// exports and error messages.
    func name(at index: Int) -> String
}

extension Dataset {
    /// All labels (nil entries for unlabelled samples).
    public var labels: [Int?] { (0..<count).map { label(at: $0) } }

    /// Whether every sample has a label.
    public var isLabelled: Bool { !classNames.isEmpty }
}
