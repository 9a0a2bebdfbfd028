/// Rotates by a multiple of 90° counter-clockwise with probability `p`, the number of quarter turns
/// drawn uniformly from `quarterTurns` (Lightly's `RandomRotate(prob, angle=90)` is `p` with [1], the
/// default; [1, 2, 3] gives any non-trivial rotation). Non-square images swap height and width.
public struct RandomRotation90: ImageAugmentation {
    public var p: Float
    public var quarterTurns: [Int]

    public init(p: Float = 0.5, quarterTurns: [Int] = [1]) throws {
        try checkProbability(p, "RandomRotation90")
        guard !quarterTurns.isEmpty else {
            throw DataError.invalidArgument(name: "RandomRotation90", detail: "quarterTurns is empty")
        }
        self.p = p
        self.quarterTurns = quarterTurns
    }

    public func apply(_ image: inout FloatImage, _ rng: inout RNG) {
        guard rng.uniform() < p else { return }
        let k = quarterTurns.count == 1 ? quarterTurns[0] : quarterTurns[rng.int(below: quarterTurns.count)]
        image = ImageOps.rotate90(image, k)
    }
}
