import Foundation
import PretextCore

/// The two-minute first run. `ssl-run --method M --backbone B` given no data (no `--data`, no
/// `data.path`, no `--config`) trains the named architecture on the built-in synthetic shapes at a size
/// that ends in about two minutes on 2 cores, scores kNN on held-out shapes before and after
/// (`eval.data: synthetic`), and closes with the gain — or, where the method cannot show one in that
/// budget, says so — and the way to the full recipe. `--paper-settings` turns it off.
///
/// Layers, lowest first: the method's defaults < `layer(backbone:methodDemo:)` (the sizing every
/// method shares, per backbone family) < the method's own demo YAML (`Registry.Entry.demo`: its
/// crops, epochs, …) < the user's flags and `--set`. Everything it sets lands in `config.yaml`, so the
/// run resumes, evaluates and exports like any other; `train.demo: true` marks it.
public enum DemoSizing {
    /// Side of the synthetic images and of the training views (ResNets' views, ViTs' `image_size`).
    public static let imageSize = 32
    /// ViT patch side at `imageSize`: a 4 × 4 grid of tokens (ViT-S/8, a size DINO published).
    public static let vitPatch = 8

    /// The sizing every method shares. `views.input_size` is set only when the method's demo does not
    /// size its views itself (DINO's crops, jigsaw's tiles have their own keys).
    public static func layer(backbone: String, methodDemo: ConfigValue) -> ConfigValue {
        var yaml = """
        data:
          synthetic_count: \(imageCount(backbone: backbone))
          synthetic_size: \(imageSize)
          batch_size: 64
        eval:
          data: synthetic
          synthetic_count: 500
          every: 1000000
        train:
          epochs: \(epochs(backbone: backbone))
          demo: true
          log_every: 5

        """
        if methodDemo["views"] == nil { yaml += "views:\n  input_size: \(imageSize)\n" }
        // Naming the member keeps these options when the user's layer selects the same backbone.
        if isTransformer(backbone) { yaml += "backbone:\n  name: \(backbone)\n  image_size: \(imageSize)\n  patch_size: \(vitPatch)\n" }
        return (try? ConfigFile.parse(yaml, file: "demo sizing")) ?? .map([:])
    }

    /// Training images (also the kNN memory bank) and epochs, measured to end within two minutes on 2
    /// cores with room to spare: a ViT-S/8 step at 32 px costs about three times a ResNet-18's. (Four
    /// epochs of 1,024 images gave the ResNet demos no more kNN gain than three of 768.)
    public static func imageCount(backbone: String) -> Int { isTransformer(backbone) ? 512 : 768 }
    public static func epochs(backbone: String) -> Int { 3 }

    /// ViT-family backbones size their input through `backbone.image_size` and `patch_size`.
    public static func isTransformer(_ backbone: String) -> Bool { backbone.lowercased().hasPrefix("vit") }

    /// The method's demo YAML without its `demo` section (which is not configuration), and that section.
    public static func methodLayer(_ entry: Registry.Entry?) throws -> (layer: ConfigValue, recipe: String?, note: String?) {
        guard let entry, !entry.demo.isEmpty else { return (.map([:]), nil, nil) }
        let tree = try ConfigFile.parse(entry.demo, file: "demo of method '\(entry.name)'")
        guard case var .map(m) = tree else { return (.map([:]), nil, nil) }
        let info = m.removeValue(forKey: "demo")
        var recipe: String?, note: String?
        if case let .string(r)? = info?["recipe"] { recipe = r }
        if case let .string(n)? = info?["note"] { note = n }
        return (.map(m), recipe, note)
    }

    /// A kNN change below this many points is reported as no gain (about the paired noise of 500 test images).
    public static let meaningfulGain = 3.0

    /// The closing lines of a demo run: kNN-20 before → after from `metrics.jsonl`, then the note (when
    /// there is no gain) and the way on: the full recipe and `--paper-settings`.
    public static func closingLines(runDir: URL, method: String, entry: Registry.Entry?, seconds: Double) -> [String] {
        let info = try? methodLayer(entry)
        var lines: [String] = []
        let records = (try? MetricsLog.read(runDir.appendingPathComponent("metrics.jsonl"))) ?? []
        let knn = records.compactMap { r -> (epoch: Int, top1: Double)? in
            guard let e = r["epoch"] as? Int, let v = r["knn20_top1"] as? Double else { return nil }
            return (e, v)
        }
        if let before = knn.first(where: { $0.epoch == 0 }), let after = knn.last, after.epoch > 0 {
            let gain = 100 * (after.top1 - before.top1)
            lines.append(String(format: "demo: kNN-20 on held-out synthetic shapes %.1f %% before → %.1f %% after training (%+.1f points, chance 10 %%), %.0f s",
                                100 * before.top1, 100 * after.top1, gain, seconds))
            if gain < meaningfulGain {
                lines.append("no kNN gain in this two-minute budget: " + (info?.note ?? "\(method) needs longer training than the demo gives it to show in kNN."))
            }
        }
        let recipe = info?.recipe.map { "ssl-run --config \($0) --data DIR --eval-data DIR" }
            ?? "ssl-run --method \(method) --data DIR --eval-data DIR --epochs N"
        lines.append("This was the two-minute demo (small synthetic images, few epochs). On your images: \(recipe)")
        lines.append("The method's full (paper) settings on the synthetic data: add --paper-settings.")
        return lines
    }
}
