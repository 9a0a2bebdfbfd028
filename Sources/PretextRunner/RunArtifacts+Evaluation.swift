import Foundation
import PretextCore
import PretextData

extension RunArtifacts.Normalization {
    /// The normalisation a run's views used: `views.mean` / `views.std` (ImageNet statistics when
    /// unset) and `views.input_size` (224 when unset).
    public init(spec: RunSpec) {
        self.init()
        let views = spec.tree["views"]
        func floats(_ v: ConfigValue?) -> [Float]? {
            guard case let .list(l)? = v else { return nil }
            let out = l.compactMap { item -> Float? in
                if case let .double(d) = item { return Float(d) }
                if case let .int(i) = item { return Float(i) }
                return nil
            }
            return out.count == l.count && !out.isEmpty ? out : nil
        }
        if let m = floats(views?["mean"]) { mean = m }
        if let s = floats(views?["std"]) { std = s }
        if case let .int(s)? = views?["input_size"] { inputSize = s }
    }
}

extension RunArtifacts {
    /// The evaluation feature extractor of this run: its normalisation, images resized (shorter side)
    /// and centre-cropped to `inputSize` when given, else at their own size.
    public func featureExtractor(inputSize: Int? = nil, batchSize: Int = 256, workers: Int = 2) -> FeatureExtractor {
        FeatureExtractor(inputSize: inputSize, mean: normalization.mean, std: normalization.std, batchSize: batchSize, workers: workers)
    }

    /// The run folder's name for titles and tables.
    public static func displayName(_ runDir: String) -> String {
        URL(fileURLWithPath: runDir).standardizedFileURL.lastPathComponent
    }
}
