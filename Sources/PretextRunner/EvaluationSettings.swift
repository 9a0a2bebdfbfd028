import PretextCore

/// The `eval` section: online kNN during pretraining. Read once, by the trainer and the kNN hook alike,
/// through typed getters (so `temperature: 1`, an integer, is the number 1, not ignored).
public struct EvaluationSettings {
    /// Labelled folder scored after each evaluated epoch (nil = no online evaluation).
    public var testData: String?
    /// Labelled folder whose features are the kNN memory bank (nil = `data.path`).
    public var trainData: String?
    public var every: Int
    public var ks: [Int]
    public var temperature: Float
    public var atStart: Bool
    /// Test images when `testData` is `synthetic`: held-out synthetic shapes (seed `train.seed` + 1).
    public var syntheticCount: Int

    /// `eval.data: synthetic` scores held-out synthetic shapes against the synthetic training set.
    public var isSynthetic: Bool { testData == EvaluationSettings.synthetic }
    public static let synthetic = "synthetic"

    public init(eval: ConfigSection) throws {
        testData = try eval.optionalString("data", "labelled folder for online kNN (class sub-folders); synthetic = held-out synthetic shapes (with synthetic training data); none = off")
        every = try eval.int("every", 1, "epochs between online kNN evaluations", range: 1...Int.max)
        ks = try eval.ints("k", [20, 200], "neighbours for kNN")
        guard !ks.isEmpty, ks.allSatisfy({ $0 >= 1 }) else {
            throw ConfigError.invalidValue(path: "eval.k", detail: "is \(ks); give one or more numbers of neighbours, each at least 1")
        }
        temperature = try eval.float("temperature", 0.1, "kNN vote temperature")
        guard temperature > 0, temperature.isFinite else {
            throw ConfigError.invalidValue(path: "eval.temperature", detail: "is \(temperature); it must be a positive number")
        }
        trainData = try eval.optionalString("train_data", "kNN memory bank folder (default: data.path)")
        syntheticCount = try eval.int("synthetic_count", 500, "test images when data is synthetic (drawn with seed train.seed + 1)", range: 1...10_000_000)
        atStart = try eval.bool("at_start", true, "also evaluate the untrained network (the random-initialisation baseline)")
    }
}
