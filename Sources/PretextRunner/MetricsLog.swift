import PretextTensor
import Foundation

/// Appends one JSON object per line to `metrics.jsonl` (step, epoch, loss, lr, images/s, method
/// metrics, evaluation results), flushed per line so a crash loses nothing already logged. Every
/// numeric value also goes to a TensorBoard event file in the same folder (`train/KEY` for step
/// records, `epoch/KEY` for the records that close an epoch), so `tensorboard --logdir runs` shows it.
public final class MetricsLog {
    public let url: URL
    private let handle: FileHandle?
    /// The run folder's TensorBoard event file (nil when created with `tensorBoard: false`).
    public let tensorBoard: TensorBoardWriter?

    /// `writes: false` (ranks other than 0 of a data-parallel job): records are dropped, nothing is written.
    public init(url: URL, tensorBoard: Bool = true, writes: Bool = true) throws {
        self.url = url
        guard writes else {
            handle = nil
            self.tensorBoard = nil
            return
        }
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw RunError.io(path: url.path, detail: "cannot create the file")
            }
        }
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        self.handle = handle
        self.tensorBoard = tensorBoard ? try TensorBoardWriter(directory: url.deletingLastPathComponent()) : nil
    }

    deinit { try? handle?.close() }

    public func write(_ record: [String: Any]) throws {
        guard let handle else { return }
        let data = try JSONSerialization.data(withJSONObject: record.mapValues(MetricsLog.sanitize), options: [.sortedKeys])
        do {
            try handle.write(contentsOf: data + Data("\n".utf8))
        } catch {
            throw RunError.io(path: url.path, detail: error.localizedDescription)
        }
        // TensorBoard's x axis: the global step, or the epoch for logs without steps (fine-tuning history).
        if let tb = tensorBoard, let step = (record["step"] as? Int) ?? (record["epoch"] as? Int) {
            let prefix = record["epoch_loss"] != nil || record["epoch_seconds"] != nil ? "epoch" : "train"
            for (key, value) in record.sorted(by: { $0.key < $1.key }) where key != "step" {
                guard let x = MetricsLog.number(value) else { continue }
                try tb.scalar("\(prefix)/\(key)", x, step: step)
            }
        }
    }

    /// A record's value as a number for TensorBoard (nil for strings, lists and other non-scalars).
    static func number(_ v: Any) -> Double? {
        if let d = v as? Double { return d }
        if let f = v as? Float { return Double(f) }
        if let i = v as? Int { return Double(i) }
        return nil
    }

    /// JSON has no NaN/Inf: write them as strings.
    static func sanitize(_ v: Any) -> Any {
        if let d = v as? Double, !d.isFinite { return "\(d)" }
        if let f = v as? Float, !f.isFinite { return "\(f)" }
        return v
    }

    /// Reads every record of a metrics file (for plots, sweeps and tests).
    public static func read(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Drops records past `step` (used on resume, so the file continues exactly where the checkpoint is).
    public static func truncate(_ url: URL, afterStep step: Int) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let text = try String(contentsOf: url, encoding: .utf8)
        let kept = text.split(separator: "\n").filter { line in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let s = obj["step"] as? Int else { return true }
            return s <= step
        }
        try (kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).write(to: url, atomically: true, encoding: .utf8)
    }
}
