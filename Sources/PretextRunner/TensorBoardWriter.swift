import PretextNN
import Foundation

/// Writes TensorBoard event files (`events.out.tfevents.*`) so that `tensorboard --logdir runs` shows a
/// run's curves, images and configuration, as PyTorch Lightning's TensorBoard logger does for Lightly
/// and solo-learn runs.
///
/// Format: TFRecord framing (little-endian u64 length, masked CRC-32C of the length, the record, masked
/// CRC-32C of the record) around `tensorflow.Event` messages: the first carries `file_version`
/// "brain.Event:2"; the others a `Summary` with scalars (`simple_value`), PNG images (`Summary.Image`)
/// or text (a string `TensorProto` tagged for the text plugin). Checked byte for byte against files
/// made with TensorBoard's own `RecordWriter` and protos (Tests/Fixtures/make_tensorboard_fixture.py).
/// Each record is written straight to the file, so a crash loses nothing already logged.
public final class TensorBoardWriter {
    public let url: URL
    private let handle: FileHandle

    /// Creates `events.out.tfevents.<seconds>.<host>.<pid>.pretext` in `directory` (TensorBoard reads every
    /// file whose name contains "tfevents"; a resumed run adds a file, and TensorBoard merges them).
    public convenience init(directory: URL, wallTime: Double = Date().timeIntervalSince1970) throws {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let name = "events.out.tfevents.\(Int(wallTime)).\(host).\(getpid()).pretext"
        try self.init(url: directory.appendingPathComponent(name), wallTime: wallTime)
    }

    /// Creates (or truncates) `url` and writes the file-version event.
    public init(url: URL, wallTime: Double = Date().timeIntervalSince1970) throws {
        self.url = url
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let h = try? FileHandle(forWritingTo: url) else {
            throw RunError.io(path: url.path, detail: "cannot create the TensorBoard event file")
        }
        handle = h
        try write(TensorBoardWriter.event(wallTime: wallTime, step: 0) { $0.string(3, "brain.Event:2") })
    }

    deinit { try? handle.close() }

    /// One scalar: `tag` at `step` (TensorBoard's scalars dashboard).
    public func scalar(_ tag: String, _ value: Double, step: Int, wallTime: Double = Date().timeIntervalSince1970) throws {
        try summary(step: step, wallTime: wallTime) { v in
            v.string(1, tag)
            v.float(2, Float(value))
        }
    }

    /// A PNG image (TensorBoard's images dashboard); its size is read from the PNG header.
    public func image(_ tag: String, png: Data, step: Int, wallTime: Double = Date().timeIntervalSince1970) throws {
        let (width, height, colorspace) = TensorBoardWriter.pngSize(png)
        try summary(step: step, wallTime: wallTime) { v in
            v.string(1, tag)
            v.message(4) { img in
                img.int(1, Int64(height))
                img.int(2, Int64(width))
                img.int(3, Int64(colorspace))
                img.data(4, Array(png))
            }
        }
    }

    /// Markdown text (TensorBoard's text dashboard), e.g. the run's configuration.
    public func text(_ tag: String, _ text: String, step: Int, wallTime: Double = Date().timeIntervalSince1970) throws {
        try summary(step: step, wallTime: wallTime) { v in
            v.string(1, tag)
            v.message(8) { t in
                t.int(1, 7)                                    // DT_STRING
                t.message(2) { shape in shape.message(2) { dim in dim.int(1, 1) } }
                t.string(8, text)
            }
            v.message(9) { meta in meta.message(1) { plugin in plugin.string(1, "text") } }
        }
    }

    // MARK: - Encoding

    private func summary(step: Int, wallTime: Double, _ value: (inout ProtobufEncoder) -> Void) throws {
        try write(TensorBoardWriter.event(wallTime: wallTime, step: step) { e in
            e.message(5) { s in s.message(1, value) }
        })
    }

    /// An `Event`: wall_time (1), step (2, omitted when 0 as proto3 does), then the payload fields.
    static func event(wallTime: Double, step: Int, _ payload: (inout ProtobufEncoder) -> Void) -> [UInt8] {
        var e = ProtobufEncoder()
        e.double(1, wallTime)
        if step != 0 { e.int(2, Int64(step)) }
        payload(&e)
        return e.bytes
    }

    /// TFRecord framing of one record.
    static func frame(_ record: [UInt8]) -> [UInt8] {
        var length = [UInt8]()
        withUnsafeBytes(of: UInt64(record.count).littleEndian) { length.append(contentsOf: $0) }
        var out = length
        withUnsafeBytes(of: CRC32C.masked(length).littleEndian) { out.append(contentsOf: $0) }
        out += record
        withUnsafeBytes(of: CRC32C.masked(record).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    private func write(_ record: [UInt8]) throws {
        do {
            try handle.write(contentsOf: Data(TensorBoardWriter.frame(record)))
        } catch {
            throw RunError.io(path: url.path, detail: error.localizedDescription)
        }
    }

    /// (width, height, channels) from a PNG's IHDR chunk; (0, 0, 0) if the data is not a PNG.
    static func pngSize(_ png: Data) -> (Int, Int, Int) {
        let b = [UInt8](png.prefix(26))
        guard b.count >= 26, b[0] == 0x89, b[1] == 0x50 else { return (0, 0, 0) }
        func be32(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        let channels: Int
        switch b[25] { case 0: channels = 1; case 2: channels = 3; case 4: channels = 2; case 6: channels = 4; default: channels = 3 }
        return (be32(16), be32(20), channels)
    }
}
