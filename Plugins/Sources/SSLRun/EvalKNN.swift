import ArgumentParser
import Foundation
import Pretext

/// `ssl-run eval knn RUN_DIR --train DIR --test DIR [--k 20 --k 200] [--temperature 0.1]`.
struct EvalKNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knn",
        abstract: "Weighted kNN accuracy of a run's backbone features (cosine similarity, votes weighted exp(sim/T)).",
        discussion: HelpText.reflow("""
        The L2-normalised features of --train are the memory bank; each --test image takes the k most similar
        and their classes vote with weight exp(similarity / T) (InstDisc, Wu et al. 2018; Lightly's knn_predict),
        the same evaluation as the online kNN of `--eval-data` during training.
        """))

    @OptionGroup var inputs: EvalInputs
    @Option(name: .customLong("k"), help: "Neighbours (repeatable).") var ks: [Int] = []
    @Option(help: "Vote temperature T.") var temperature: Double = 0.1
    @Flag(help: "Only the result lines.") var quiet = false
    @OptionGroup var pluginOptions: PluginOptions

    func run() throws {
        try pluginOptions.boot(quiet: quiet)
        let ks = self.ks.isEmpty ? [20, 200] : self.ks
        guard ks.allSatisfy({ $0 >= 1 }), temperature > 0 else {
            throw CommandFailure(message: "--k must be at least 1 and --temperature positive")
        }
        let (_, train, test) = try inputs.features(normalizeRows: true, quiet: quiet)
        let classes = max(train.classNames.count, (train.labels.max() ?? 0) + 1)
        print("kNN on \(RunArtifacts.displayName(inputs.runDir)) (checkpoint \(inputs.checkpoint)): \(test.labels.count) test images, memory bank of \(train.labels.count), T = \(temperature)")
        print("     k   top-1   top-5")
        var json: [String: Any] = ["run": inputs.runDir, "checkpoint": inputs.checkpoint, "temperature": temperature,
                                   "train_images": train.labels.count, "test_images": test.labels.count]
        for k in ks {
            let r = try KNNClassifier(k: k, temperature: Float(temperature))
                .evaluate(train: train.features, trainLabels: train.labels, test: test.features, testLabels: test.labels, classes: classes)
            print(String(format: "%6d  %5.2f%%  %5.2f%%", k, 100 * r.top1, 100 * r.top5))
            json["knn\(k)_top1"] = r.top1
            json["knn\(k)_top5"] = r.top5
        }
        try inputs.writeJSON(json)
    }
}
