/// Samples `range` of another dataset (a data-parallel rank's part of an evaluation set).
public struct DatasetSlice: Dataset {
    public let base: any Dataset
    public let range: Range<Int>

    public init(_ base: any Dataset, _ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= base.count, "slice \(range) of \(base.count) samples")
        self.base = base
        self.range = range
    }

    public var count: Int { range.count }
    public var classNames: [String] { base.classNames }
    public func label(at index: Int) -> Int? { base.label(at: range.lowerBound + index) }
    public func image(at index: Int) throws -> Image { try base.image(at: range.lowerBound + index) }
    public func name(at index: Int) -> String { base.name(at: range.lowerBound + index) }
}
