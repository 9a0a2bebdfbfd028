/// Everything that can go wrong in the data pipeline. Each message says what was wrong, where (the
/// file, folder, line or config key) and what to do about it.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The file exists but could not be read (permissions, I/O error).
    case unreadableFile(path: String, reason: String)
    /// The file is not a PNG or JPEG (by its first bytes, whatever its extension).
    case notAnImage(path: String, reason: String)
    /// A valid image of a kind the decoder does not handle (GIF, WebP, BMP, TIFF, HEIC, 12-bit JPEG, ...).
    case unsupportedImage(path: String, reason: String)
    /// The decoder rejected the data (bad header, CRC error, corrupt stream).
    case corruptImage(path: String, reason: String)
    /// The data ends before the image does (interrupted download or copy).
    case truncatedImage(path: String)
    /// The image header announces a size outside what Pretext accepts.
    case imageTooLarge(path: String, reason: String)
    /// A dataset folder holds no usable images.
    case noImages(folder: String, reason: String)
    /// Class sub-folders that hold no images (ImageFolder layout).
    case emptyClassFolders(folder: String, classes: [String])
    /// A dataset root that is not a folder.
    case notAFolder(path: String)
    /// A line of a file list that could not be used.
    case badFileList(path: String, line: Int, reason: String)
    /// A transform / loader configuration value that is missing, mistyped or out of range.
    case invalidConfig(key: String, reason: String)
    /// A bad argument to a data API (size, probability, range).
    case invalidArgument(name: String, detail: String)
    /// The samples of one batch produced views of different counts or shapes.
    case inconsistentViews(index: Int, name: String, detail: String)
    /// A sample index outside the dataset.
    case indexOutOfRange(index: Int, count: Int)
    /// Writing an output file (PNG) failed.
    case writeFailed(path: String, reason: String)

    /// Paths with bytes that are not UTF-8 show them as `\xNN` (see FileNameBytes).
    public var description: String { FileNameBytes.display(message) }

    private var message: String {
        switch self {
        case let .fileNotFound(path):
            return "image file not found: \(path). Check the path (relative paths are resolved from the "
                + "current directory or, in a file list, from the list's folder)."
        case let .unreadableFile(path, reason):
            return "cannot read \(path): \(reason). Check the file's permissions and that the disk is readable."
        case let .notAnImage(path, reason):
            return "\(path) is not a PNG or JPEG image (\(reason)). Remove it from the dataset folder, convert "
                + "it to PNG/JPEG, or skip such files with --skip-bad-images (data.skip_bad_images: true)."
        case let .unsupportedImage(path, reason):
            return "\(path): unsupported image (\(reason)). Convert it to PNG or JPEG (e.g. with Pillow: "
                + "Image.open(p).convert('RGB').save('x.png')), or skip it with --skip-bad-images (data.skip_bad_images: true)."
        case let .corruptImage(path, reason):
            return "\(path) is corrupt (\(reason)). Re-download or re-export the file, or pass "
                + "--skip-bad-images (data.skip_bad_images: true) to skip unreadable images."
        case let .truncatedImage(path):
            return "\(path) is truncated: the data ends before the image does (interrupted download or copy?). "
                + "Re-download the file, or pass skipBadImages: true to skip it."
        case let .imageTooLarge(path, reason):
            return "\(path): \(reason). Downscale the image before training."
        case let .noImages(folder, reason):
            return "no images in \(folder): \(reason). Point the dataset at a folder with .png/.jpg/.jpeg files, "
                + "either directly (unlabelled) or in one sub-folder per class (ImageFolder layout)."
        case let .emptyClassFolders(folder, classes):
            let shown = classes.prefix(5).joined(separator: ", ") + (classes.count > 5 ? ", …" : "")
            return "\(folder): class folder(s) without any .png/.jpg/.jpeg image: \(shown). Add images to them "
                + "or remove them (as torchvision's ImageFolder, every class folder must hold images)."
        case let .notAFolder(path):
            return "dataset root \(path) is not a folder (or does not exist). Pass the folder that holds the images "
                + "or the class sub-folders."
        case let .badFileList(path, line, reason):
            return "\(path), line \(line): \(reason). Each line is `path` or `path<TAB|,|space>label`; "
                + "lines starting with # are comments."
        case let .invalidConfig(key, reason):
            return "transform config key '\(key)': \(reason)."
        case let .invalidArgument(name, detail):
            return "\(name): \(detail)."
        case let .inconsistentViews(index, name, detail):
            return "sample \(index) (\(name)) produced views that do not match the rest of its batch: \(detail). "
                + "A batch needs the same number and shapes of views from every sample: give the transform a "
                + "fixed output size."
        case let .indexOutOfRange(index, count):
            return "sample index \(index) is outside the dataset (\(count) samples)."
        case let .writeFailed(path, reason):
            return "cannot write \(path): \(reason). Check that the folder exists and is writable."
        }
    }

    /// The file the error is about, if any.
    public var path: String? {
        switch self {
        case let .fileNotFound(p), let .unreadableFile(p, _), let .notAnImage(p, _), let .unsupportedImage(p, _),
             let .corruptImage(p, _), let .truncatedImage(p), let .imageTooLarge(p, _), let .notAFolder(p),
             let .badFileList(p, _, _), let .writeFailed(p, _):
            return p
        case let .noImages(f, _), let .emptyClassFolders(f, _):
            return f
        case .invalidConfig, .invalidArgument, .inconsistentViews, .indexOutOfRange:
            return nil
        }
    }

    /// Whether this error is about one unreadable image (what `skipBadImages` skips).
    public var isBadImage: Bool {
        switch self {
        case .fileNotFound, .unreadableFile, .notAnImage, .unsupportedImage, .corruptImage, .truncatedImage,
             .imageTooLarge:
            return true
        default:
            return false
        }
    }
}
