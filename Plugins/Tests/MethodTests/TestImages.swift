import PretextSDK

/// Seeded noise images for the method modules' tests.
enum TestImages {
    static func noise(width: Int, height: Int, seed: UInt64) -> Image {
        var rng = RNG(seed: seed)
        let px = (0..<(width * height * 3)).map { _ in UInt8(rng.int(below: 256)) }
        return try! Image(width: width, height: height, pixels: px)
    }

    /// A registry with the kit's built-ins and `register`'s entries.
    static func registry(_ register: (Registry) throws -> Void) throws -> Registry {
        let r = Registry()
        try Builtins.register(in: r)
        try register(r)
        return r
    }
}
