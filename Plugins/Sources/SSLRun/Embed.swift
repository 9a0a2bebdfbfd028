import ArgumentParser
import Foundation
import Pretext

/// `ssl-run embed RUN_DIR --data DIR --out embeddings.csv`: backbone features as CSV and 2-D maps as PNGs.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the backbone's features of an image folder as CSV, and draw 2-D maps (PCA, t-SNE) coloured by label.",
        discussion: HelpText.reflow("""
        The CSV has one row per image: filename (relative to --data), label (class folder name; empty for a flat folder),
        then the feature vector f0, f1, … (the backbone's pooled output, L2-normalised with --normalize). Next to it:
        NAME-pca.png and NAME-tsne.png (scatter plots, one colour and marker per class, with a legend) and NAME-map.csv
        (the 2-D coordinates). Both maps use the L2-normalised features (cosine geometry, as kNN). t-SNE is Barnes-Hut
        (theta 0.5, perplexity 30, 1000 iterations, PCA initialisation): about a minute for 5,000 images on 2 cores.
        On small sets the perplexity is lowered to (N - 1) / 3 with a note (down to 3 images; below that no map is drawn).
        The maps are also added to the run folder's TensorBoard event files.
        --max-points draws the maps from a seeded, class-balanced subset (the CSV always has every image).
        Example:
          ssl-run embed runs/simclr --data ../shared/data/cifar10/test --out runs/simclr/embeddings.csv
        """))

    @Argument(help: "Run folder (holds config.yaml and checkpoints/).") var runDir: String
    @Option(help: "Image folder (class sub-folders give the colours).") var data: String
    @Option(help: "CSV file to write.") var out: String
    @Option(help: "Which maps: pca, tsne, both or none.") var map: String = "both"
    @Option(help: "t-SNE perplexity.") var perplexity: Double = 30
    @Option(help: "t-SNE iterations.") var iterations: Int = 1000
    @Option(help: "Barnes-Hut accuracy (0 = exact, O(N²)).") var theta: Double = 0.5
    @Option(help: "At most this many points in the maps.") var maxPoints: Int = 5000
    @Option(help: "Seed (map subset, PCA start).") var seed: Int = 0
    @Option(help: "Which checkpoint: last, or an epoch number.") var checkpoint: String = "last"
    @Option(help: "Resize (shorter side) and centre-crop images to this size (default: their own size).") var inputSize: Int?
    @Flag(help: "Write L2-normalised features to the CSV (default: raw).") var normalize = false
    @Flag(help: "Leave unreadable images out (and report how many) instead of stopping.") var skipBadImages = false
    @Flag(help: "Only the result lines.") var quiet = false
    @OptionGroup var pluginOptions: PluginOptions

    func run() throws {
        try pluginOptions.boot(quiet: quiet)
        try validateOptions()
        let start = Date()
        let feats = try extractFeatures()
        let n = feats.labels.count, d = feats.features.shape[1]
        let unit = try noGrad { try feats.features.l2Normalized(axis: 1) }
        let outURL = URL(fileURLWithPath: out)
        try writeFeatureCSV(feats, rows: normalize ? unit : feats.features, to: outURL)
        print(String(format: "wrote %d × %d features to %@ (%.1f s)", n, d, outURL.path, Date().timeIntervalSince(start)))
        guard map != "none" else { return }
        guard n >= 3 else {
            print("note: no 2-D map for \(n) image(s): PCA and t-SNE need at least 3 (the CSV has every feature)")
            return
        }
        let chosen = mapSubset(labels: feats.labels)
        let subset = try noGrad { try unit.indexSelect(axis: 0, indices: chosen) }
        let stem = outURL.deletingPathExtension().path
        var coords: [String: [(x: Double, y: Double)]] = [:]
        if map == "pca" || map == "both" { coords["pca"] = try drawPCA(subset, chosen: chosen, feats: feats, stem: stem) }
        if map == "tsne" || map == "both" { coords["tsne"] = try drawTSNE(subset, chosen: chosen, feats: feats, stem: stem) }
        writeMapCSV(coords, chosen: chosen, feats: feats, stem: stem)
        addMapsToTensorBoard(keys: coords.keys.sorted(), stem: stem)
    }

    func validateOptions() throws {
        guard ["pca", "tsne", "both", "none"].contains(map) else { throw CommandFailure(message: "--map takes pca, tsne, both or none, not '\(map)'") }
        guard maxPoints >= 3, iterations >= 1, theta >= 0, theta <= 1 else {
            throw CommandFailure(message: "--max-points must be at least 3, --iterations at least 1, --theta in [0, 1]")
        }
    }

    /// The run's backbone (its plugins loaded again) over every image of --data.
    func extractFeatures() throws -> FeatureExtractor.Features {
        let run: RunArtifacts, dataset: ImageFolderDataset
        do {
            try Host.shared?.restorePlugins(of: runDir)
            run = try RunArtifacts.load(runDir: runDir, checkpoint: checkpoint)
            dataset = try ImageFolderDataset(root: data)
        } catch { throw CommandFailure(message: "\(error)") }
        let feats: FeatureExtractor.Features
        do {
            feats = try run.featureExtractor(inputSize: inputSize).extract(run.method.backbone, dataset: dataset, normalizeRows: false,
                                                                          skipBadImages: skipBadImages)
        } catch let e as DataError where e.isBadImage && !skipBadImages {
            throw CommandFailure(message: "\(e)\n(pass --skip-bad-images to leave unreadable images out)")
        } catch { throw CommandFailure(message: "\(error)") }
        if let first = feats.skipped.first {
            print("skipped \(feats.skipped.count) unreadable image(s), e.g. \(first.error)")
        }
        return feats
    }

    /// The class folder name of row `i` (empty for a flat folder).
    func labelName(_ feats: FeatureExtractor.Features, _ i: Int) -> String {
        let l = feats.labels[i]
        return l >= 0 && l < feats.classNames.count ? feats.classNames[l] : ""
    }

    /// filename,label,f0,f1,… one row per image.
    func writeFeatureCSV(_ feats: FeatureExtractor.Features, rows: Tensor, to url: URL) throws {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let n = feats.labels.count, d = rows.shape[1]
        var csv = "filename,label," + (0..<d).map { "f\($0)" }.joined(separator: ",") + "\n"
        let src = rows.storage.pointer
        for i in 0..<n {
            csv += SweepResults.csvField(feats.names[i]) + "," + SweepResults.csvField(labelName(feats, i))
            for j in 0..<d { csv += "," + String(src[i * d + j]) }
            csv += "\n"
        }
        do { try csv.write(to: url, atomically: true, encoding: .utf8) } catch {
            throw CommandFailure(message: "could not write '\(out)': \(error.localizedDescription)")
        }
    }

    /// The rows the maps show: every image, or a seeded class-balanced subset of --max-points.
    func mapSubset(labels: [Int]) -> [Int] {
        let n = labels.count
        guard n > maxPoints else { return Array(0..<n) }
        var rng = RNG(seed: UInt64(seed), stream: 0xE3B)
        let byClass = Dictionary(grouping: rng.permutation(n), by: { labels[$0] })
        let perClass = max(1, maxPoints / max(byClass.count, 1))
        return byClass.values.flatMap { $0.prefix(perClass) }.sorted()
    }

    func drawPCA(_ subset: Tensor, chosen: [Int], feats: FeatureExtractor.Features, stem: String) throws -> [(x: Double, y: Double)] {
        let pca = try PCA(fitting: subset, count: 2, seed: UInt64(seed))
        let pts = pca.transform(subset).map { (x: $0[0], y: $0[1]) }
        let ratio = pca.explainedVarianceRatio
        try scatter(pts, chosen: chosen, labels: feats.labels, classes: feats.classNames,
                    title: "PCA of \(RunArtifacts.displayName(runDir)) features",
                    subtitle: "\(chosen.count) images of \(URL(fileURLWithPath: data).lastPathComponent)",
                    xLabel: String(format: "PC 1 (%.1f%% of variance)", 100 * ratio[0]),
                    yLabel: String(format: "PC 2 (%.1f%% of variance)", 100 * ratio[1])).write(to: stem + "-pca.png")
        print("wrote \(stem)-pca.png")
        return pts
    }

    func drawTSNE(_ subset: Tensor, chosen: [Int], feats: FeatureExtractor.Features, stem: String) throws -> [(x: Double, y: Double)] {
        let perplexity = Embed.perplexity(perplexity, points: chosen.count)
        if perplexity < self.perplexity {
            print(String(format: "note: t-SNE perplexity lowered from %g to %.3g for %d points (it must stay below (N - 1) / 3)",
                         self.perplexity, perplexity, chosen.count))
        }
        let t0 = Date()
        let tsne = TSNE(perplexity: perplexity, iterations: iterations, theta: theta, seed: UInt64(seed))
        let pts: [(x: Double, y: Double)]
        do {
            pts = try tsne.embed(subset) { it in
                if !quiet && it % 250 == 0 {
                    FileHandle.standardError.write(Data(String(format: "t-SNE iteration %d/%d (%.0f s)\n", it, iterations, Date().timeIntervalSince(t0)).utf8))
                }
            }
        } catch { throw CommandFailure(message: "\(error)") }
        try scatter(pts, chosen: chosen, labels: feats.labels, classes: feats.classNames,
                    title: "t-SNE of \(RunArtifacts.displayName(runDir)) features",
                    subtitle: "\(chosen.count) images of \(URL(fileURLWithPath: data).lastPathComponent), perplexity \(String(format: "%g", perplexity))",
                    xLabel: "t-SNE 1", yLabel: "t-SNE 2").write(to: stem + "-tsne.png")
        print(String(format: "wrote %@-tsne.png (%.0f s)", stem, Date().timeIntervalSince(t0)))
        return pts
    }

    /// NAME-map.csv: the 2-D coordinates of the mapped rows.
    func writeMapCSV(_ coords: [String: [(x: Double, y: Double)]], chosen: [Int], feats: FeatureExtractor.Features, stem: String) {
        var mapCSV = "filename,label" + (coords["pca"] != nil ? ",pca1,pca2" : "") + (coords["tsne"] != nil ? ",tsne1,tsne2" : "") + "\n"
        for (k, i) in chosen.enumerated() {
            mapCSV += SweepResults.csvField(feats.names[i]) + "," + SweepResults.csvField(labelName(feats, i))
            for key in ["pca", "tsne"] { if let c = coords[key] { mapCSV += ",\(c[k].x),\(c[k].y)" } }
            mapCSV += "\n"
        }
        try? mapCSV.write(toFile: stem + "-map.csv", atomically: true, encoding: .utf8)
    }

    /// The maps as image summaries in the run's TensorBoard files (a new events file beside the training's).
    func addMapsToTensorBoard(keys: [String], stem: String) {
        guard let tb = try? TensorBoardWriter(directory: URL(fileURLWithPath: runDir)) else { return }
        for key in keys {
            if let png = FileManager.default.contents(atPath: stem + "-\(key).png") {
                try? tb.image("embeddings/\(key)", png: png, step: 0)
            }
        }
    }

    /// The perplexity t-SNE can use for `points` points: the requested one, lowered to (N − 1) / 3 (its
    /// 3·perplexity nearest neighbours must exist) but not below 1, which 3 points still allow.
    static func perplexity(_ requested: Double, points: Int) -> Double {
        min(requested, max(1, Double(points - 1) / 3))
    }

    /// A scatter plot with one series (colour + marker) per class and the legend to the right.
    func scatter(_ pts: [(x: Double, y: Double)], chosen: [Int], labels: [Int], classes: [String], title: String, subtitle: String,
                 xLabel: String, yLabel: String) -> Plot {
        var plot = Plot(title: title, subtitle: subtitle, xLabel: xLabel, yLabel: yLabel, width: 960, height: 700)
        plot.legend = .outsideRight
        let markers: [PlotSeries.Marker] = [.circle, .square, .triangle, .diamond, .triangleDown, .cross]
        let size = pts.count > 2000 ? 4.0 : 6.0
        if classes.isEmpty {
            plot.series.append(.scatter("images", points: pts, size: size, alpha: 0.6))
            plot.legend = .hidden
        } else {
            for (c, name) in classes.enumerated() {
                let p = zip(chosen, pts).filter { labels[$0.0] == c }.map(\.1)
                plot.series.append(.scatter(name, points: p, marker: markers[c % markers.count], size: size, alpha: 0.7))
            }
        }
        return plot
    }
}
