import PretextTensor
import Foundation

/// Appends one JSON object per line to `metrics.jsonl` (step, epoch, loss, lr, images/s, method
/// metrics, evaluation results), flushed per line so a crash loses nothing already logged.
public final class MetricsLog {
    public let url: URL
    private let handle: FileHandle

    public init(url: URL) throws {
        self.url = url
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw RunError.io(path: url.path, detail: "cannot create the file")
            }
        }
        handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    public func write(_ record: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: record.mapValues(MetricsLog.sanitize), options: [.sortedKeys])
        do {
            try handle.write(contentsOf: data + Data("\n".utf8))
        } catch {
            throw RunError.io(path: url.path, detail: error.localizedDescription)
        }
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
