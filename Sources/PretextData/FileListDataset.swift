import Foundation

/// Images listed in a text file, one per line: `path` or `path<sep>label`.
///
/// - Separator: a tab if the line has one, else a comma if it has one, else the last run of spaces
///   (so paths with spaces need tabs or commas).
/// - Labels: integers (used as given; `classNames` are "0"…"max") or class names (sorted by name,
///   labels in that order). Either every line has a label or none does.
/// - Relative paths are resolved from the list file's folder (or `root` if given). Blank lines and
///   lines starting with `#` are skipped.
public struct FileListDataset: Dataset {
    public let listPath: String
    /// Absolute paths in sample order.
    public let paths: [String]
    /// Names as written in the list.
    public let names: [String]
    public let labels: [Int?]
    public let classNames: [String]

    public init(listFile: String, root: String? = nil) throws {
        guard FileManager.default.fileExists(atPath: listFile) else { throw DataError.fileNotFound(path: listFile) }
        let text: String
        do {
            text = try String(contentsOfFile: listFile, encoding: .utf8)
        } catch {
            throw DataError.unreadableFile(path: listFile, reason: "not readable as UTF-8 text (\(error.localizedDescription))")
        }
        let base = root ?? URL(fileURLWithPath: listFile).standardizedFileURL.deletingLastPathComponent().path
        var names: [String] = [], rawLabels: [String?] = []
        for (i, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var path = line
            var label: String? = nil
            let sep: Character? = line.contains("\t") ? "\t" : (line.contains(",") ? "," : (line.contains(" ") ? " " : nil))
            if let s = sep, let idx = line.lastIndex(of: s) {
                path = String(line[..<idx]).trimmingCharacters(in: .whitespaces)
                label = String(line[line.index(after: idx)...]).trimmingCharacters(in: .whitespaces)
                if label?.isEmpty == true {
                    throw DataError.badFileList(path: listFile, line: i + 1, reason: "empty label after the separator")
                }
            }
            if path.isEmpty { throw DataError.badFileList(path: listFile, line: i + 1, reason: "empty path") }
            if !names.isEmpty, (label == nil) != (rawLabels[0] == nil) {
                throw DataError.badFileList(path: listFile, line: i + 1,
                                            reason: "some lines have labels and some do not; label every line or none")
            }
            names.append(path)
            rawLabels.append(label)
        }
        guard !names.isEmpty else {
            throw DataError.badFileList(path: listFile, line: 0, reason: "the list names no images")
        }
        var labels: [Int?] = Array(repeating: nil, count: names.count)
        var classes: [String] = []
        if rawLabels[0] != nil {
            let strings = rawLabels.map { $0! }
            if strings.allSatisfy({ Int($0) != nil }) {
                let ints = strings.map { Int($0)! }
                if let bad = ints.firstIndex(where: { $0 < 0 }) {
                    throw DataError.badFileList(path: listFile, line: bad + 1, reason: "negative label \(ints[bad])")
                }
                labels = ints
                classes = (0...(ints.max() ?? 0)).map(String.init)
            } else {
                classes = Array(Set(strings)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
                labels = strings.map { index[$0] }
            }
        }
        self.listPath = listFile
        self.names = names
        self.paths = names.map { $0.hasPrefix("/") ? $0 : base + "/" + $0 }
        self.labels = labels
        self.classNames = classes
    }

    public var count: Int { paths.count }
    public func label(at index: Int) -> Int? { labels[index] }
    public func name(at index: Int) -> String { names[index] }

    public func image(at index: Int) throws -> Image {
        guard index >= 0, index < count else { throw DataError.indexOutOfRange(index: index, count: count) }
        return try ImageDecoder.decode(file: paths[index])
    }
}
