import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Images in a folder, torchvision `ImageFolder` style.
///
/// - Class layout: `root/<class>/…/<image>`: classes are the sub-folders of `root` sorted by name
///   (code-point order, as Python's `sorted`), labels 0…K−1 in that order, images found recursively
///   below each class folder (following symlinks) in sorted path order — the same samples, labels and
///   order as `torchvision.datasets.ImageFolder`. Hidden folders (".…") are ignored (torchvision would
///   make them classes). A class folder without images is an error, as in torchvision.
/// - Flat layout: images directly in `root` and no sub-folder with images: unlabelled samples.
///
/// Image files are recognised by extension: .png, .jpg, .jpeg in any case; other files are ignored.
/// With `skipBadImages`, every file is decoded once up front (in parallel) and the unreadable ones are
/// dropped; `skipped` lists them (path and reason) so the caller can report how many.
public struct ImageFolderDataset: Dataset {
    public let root: String
    public let classNames: [String]
    /// Paths relative to `root`, in sample order.
    public let relativePaths: [String]
    public let labels: [Int?]
    /// Files dropped by `skipBadImages`, with the error each gave.
    public let skipped: [(path: String, error: DataError)]

    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    public init(root: String, skipBadImages: Bool = false) throws {
        let rootPath = URL(fileURLWithPath: root).standardizedFileURL.path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: rootPath, isDirectory: &isDir), isDir.boolValue else {
            throw DataError.notAFolder(path: root)
        }
        var (paths, labels, classes) = try Self.scan(rootPath, named: root)
        var skipped: [(path: String, error: DataError)] = []
        if skipBadImages {
            let bad = Self.decodeErrors(paths.map { rootPath + "/" + $0 })
            var keptPaths: [String] = [], keptLabels: [Int?] = []
            for i in 0..<paths.count {
                if let e = bad[i] { skipped.append((rootPath + "/" + paths[i], e)) } else {
                    keptPaths.append(paths[i])
                    keptLabels.append(labels[i])
                }
            }
            guard !keptPaths.isEmpty else {
                throw DataError.noImages(folder: root, reason: "all \(paths.count) image files failed to decode (first: \(skipped.first.map { "\($0.1)" } ?? ""))")
            }
            paths = keptPaths
            labels = keptLabels
        }
        self.root = rootPath
        self.classNames = classes
        self.relativePaths = paths
        self.labels = labels
        self.skipped = skipped
    }

    /// The images of a folder: class sub-folders (when at least one holds images; then none may be
    /// empty) or, failing that, the images in the folder itself, unlabelled. `name` is the folder as
    /// the user gave it, for messages.
    static func scan(_ rootPath: String, named name: String) throws -> (paths: [String], labels: [Int?], classes: [String]) {
        let entries = try listFolder(rootPath)
        let classDirs = entries.filter { $0.isDir && !$0.name.hasPrefix(".") }.map(\.name).sorted(by: codepointLess)
        let rootImages = entries.filter { !$0.isDir && isImageName($0.name) }.map(\.name).sorted(by: codepointLess)
        if !classDirs.isEmpty {
            let perClass = try classDirs.map { try imagesBelow(rootPath + "/" + $0, relativeTo: $0) }
            if perClass.contains(where: { !$0.isEmpty }) {
                let empty = zip(classDirs, perClass).filter { $0.1.isEmpty }.map(\.0)
                if !empty.isEmpty { throw DataError.emptyClassFolders(folder: name, classes: empty) }
                var paths: [String] = [], labels: [Int?] = []
                for (k, files) in perClass.enumerated() {
                    paths += files
                    labels += Array(repeating: k, count: files.count)
                }
                return (paths, labels, classDirs)
            }
        }
        guard !rootImages.isEmpty else {
            let reason = classDirs.isEmpty
                ? "the folder has no .png/.jpg/.jpeg files"
                : "neither the folder nor its \(classDirs.count) sub-folder(s) hold .png/.jpg/.jpeg files"
            throw DataError.noImages(folder: name, reason: reason)
        }
        return (rootImages, Array(repeating: nil, count: rootImages.count), [])
    }

    /// Decodes every file (up to 8 at once) and returns each one's error, nil for the readable ones.
    static func decodeErrors(_ files: [String]) -> [DataError?] {
        var bad = [DataError?](repeating: nil, count: files.count)
        let chunks = max(1, min(8, files.count))
        bad.withUnsafeMutableBufferPointer { out in
            let o = out
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let n = files.count
                for i in (n * chunk / chunks)..<(n * (chunk + 1) / chunks) {
                    do { _ = try ImageDecoder.decode(file: files[i]) } catch let e as DataError {
                        o[i] = e
                    } catch {
                        o[i] = .corruptImage(path: files[i], reason: "\(error)")
                    }
                }
            }
        }
        return bad
    }

    public var count: Int { relativePaths.count }
    public func label(at index: Int) -> Int? { labels[index] }
    public func name(at index: Int) -> String { relativePaths[index] }
    /// Absolute path of sample `index`.
    public func path(at index: Int) -> String { root + "/" + relativePaths[index] }

    public func image(at index: Int) throws -> Image {
        guard index >= 0, index < count else { throw DataError.indexOutOfRange(index: index, count: count) }
        return try ImageDecoder.decode(file: path(at: index))
    }

    // MARK: - Folder walking

    static func isImageName(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), !name.hasPrefix(".") || name.firstIndex(of: ".") != dot else {
            return false
        }
        return imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// Python's string order (Unicode code points = UTF-8 byte order).
    static func codepointLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    struct Entry { var name: String; var isDir: Bool }

    /// The entries of a folder (following symlinks when classifying).
    static func listFolder(_ path: String) throws -> [Entry] {
        #if canImport(Glibc)
        guard let dir = opendir(FileNameBytes.cString(path)) else {
            throw DataError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { closedir(dir) }
        var out: [Entry] = []
        while let ent = readdir(dir) {
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw -> String in
                let b = raw.bindMemory(to: UInt8.self)
                let end = b.firstIndex(of: 0) ?? b.count
                return FileNameBytes.name(b[..<end])
            }
            if name == "." || name == ".." { continue }
            var isDir: Bool
            let type = ent.pointee.d_type
            if type == UInt8(DT_DIR) {
                isDir = true
            } else if type == UInt8(DT_REG) {
                isDir = false
            } else {
                var st = stat()
                isDir = stat(FileNameBytes.cString(path + "/" + name), &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            }
            out.append(Entry(name: name, isDir: isDir))
        }
        return out
        #else
        let names = try FileManager.default.contentsOfDirectory(atPath: path)
        return names.map { n in
            var d: ObjCBool = false
            FileManager.default.fileExists(atPath: path + "/" + n, isDirectory: &d)
            return Entry(name: n, isDir: d.boolValue)
        }
        #endif
    }

    /// Image files below `dir` (recursive, sorted like torchvision's `sorted(os.walk(...))`), as paths
    /// prefixed with `prefix`.
    static func imagesBelow(_ dir: String, relativeTo prefix: String) throws -> [String] {
        // os.walk visits folders in sorted root-path order; within one, sorted file names.
        var folders: [(rel: String, files: [String])] = []
        var stack: [(String, String)] = [(dir, prefix)]
        // Each real directory once (device + inode): a symlink loop (`cat/loop -> ..`) or two links to
        // one folder must not repeat its images.
        var seen = Set<[UInt64]>()
        var parent = stat()
        if stat(FileNameBytes.cString(dir + "/.."), &parent) == 0 { seen.insert([UInt64(parent.st_dev), UInt64(parent.st_ino)]) }   // the dataset root
        while let (abs, rel) = stack.popLast() {
            var st = stat()
            if stat(FileNameBytes.cString(abs), &st) == 0 {
                guard seen.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else { continue }
            }
            let entries = try listFolder(abs)
            let files = entries.filter { !$0.isDir && isImageName($0.name) }.map(\.name).sorted(by: codepointLess)
            folders.append((rel, files))
            for d in entries where d.isDir && !d.name.hasPrefix(".") {
                stack.append((abs + "/" + d.name, rel + "/" + d.name))
            }
        }
        folders.sort { codepointLess($0.rel, $1.rel) }
        return folders.flatMap { f in f.files.map { f.rel + "/" + $0 } }
    }
}
