import Foundation

extension TensorBoardWriter {
    /// Logs the run's configuration (`config.yaml` of `dir`) as a text summary, shown as YAML.
    func logConfiguration(of dir: URL, step: Int) throws {
        guard let yaml = try? String(contentsOf: dir.appendingPathComponent("config.yaml"), encoding: .utf8) else { return }
        try text("config", "```yaml\n\(yaml)```", step: step)
    }

    /// Logs every `NAME-epoch-NNN.png` that a method drew into `dir` for this (1-based) epoch as an image
    /// summary tagged NAME (MAE's `reconstruction-epoch-NNN.png`, or a plugin's own).
    func logEpochImages(in dir: URL, epoch: Int, step: Int) throws {
        let suffix = String(format: "-epoch-%03d.png", epoch)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for name in names.sorted() where name.hasSuffix(suffix) {
            guard let png = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { continue }
            try image(String(name.dropLast(suffix.count)), png: png, step: step)
        }
    }
}
