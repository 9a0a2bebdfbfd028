import ArgumentParser
import Foundation
import Pretext

/// The options `eval knn` and `eval linear` share: which run, which checkpoint, which folders.
struct EvalInputs: ParsableArguments {
    @Argument(help: "Run folder (holds config.yaml and checkpoints/).") var runDir: String
    @Option(help: "Labelled training folder (class sub-folders): the kNN memory bank / the probe's training set.") var train: String
    @Option(help: "Labelled test folder (class sub-folders) to score.") var test: String
    @Option(help: "Which checkpoint: last, or an epoch number.") var checkpoint: String = "last"
    @Option(help: "Resize (shorter side) and centre-crop images to this size (default: their own size).") var inputSize: Int?
    @Option(help: "Also write the results as JSON to this file.") var json: String?

    /// Opens the run and both folders, and computes their features (`normalizeRows` for kNN).
    func features(normalizeRows: Bool, quiet: Bool) throws -> (RunArtifacts, FeatureExtractor.Features, FeatureExtractor.Features) {
        let run: RunArtifacts
        try Host.shared?.restorePlugins(of: runDir)
        do { run = try RunArtifacts.load(runDir: runDir, checkpoint: checkpoint) } catch { throw CommandFailure(message: "\(error)") }
        let (trainSet, testSet) = try LabelledFolders.open(train: train, test: test, purpose: "evaluation")
        let start = Date()
        let extractor = run.featureExtractor(inputSize: inputSize)
        let a = try extractor.extract(run.method.backbone, dataset: trainSet, normalizeRows: normalizeRows, group: .world)
        let b = try extractor.extract(run.method.backbone, dataset: testSet, normalizeRows: normalizeRows, group: .world)
        if !quiet {
            FileHandle.standardError.write(Data(String(format: "features: %d training + %d test images, %d-d, %.1f s\n",
                                                       a.labels.count, b.labels.count, a.features.shape[1],
                                                       Date().timeIntervalSince(start)).utf8))
        }
        return (run, a, b)
    }

    /// Writes `object` as pretty JSON to `--json` when given.
    func writeJSON(_ object: [String: Any]) throws {
        guard let json, ProcessGroup.world.isMain else { return }   // under mpirun, rank 0 writes
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        do { try data.write(to: URL(fileURLWithPath: json), options: .atomic) } catch {
            throw CommandFailure(message: "could not write '\(json)': \(error.localizedDescription)")
        }
    }
}
