import Foundation

/// Decoded images held in memory: either given directly, or loaded once from another dataset (in
/// parallel) so later epochs skip decoding — worthwhile for small sets such as CIFAR (5,000 32 px images
/// are 15 MB), where PNG decoding is about half the cost of a SimCLR-32 sample.
public struct InMemoryDataset: Dataset {
    public let images: [Image]
    public let labels: [Int?]
    public let names: [String]
    public let classNames: [String]

    public init(images: [Image], labels: [Int?]? = nil, classNames: [String] = [], names: [String]? = nil) throws {
        guard !images.isEmpty else { throw DataError.invalidArgument(name: "InMemoryDataset", detail: "no images") }
        let l = labels ?? Array(repeating: nil, count: images.count)
        guard l.count == images.count, names.map({ $0.count == images.count }) ?? true else {
            throw DataError.invalidArgument(name: "InMemoryDataset", detail: "images, labels and names need the same count")
        }
        if let bad = l.compactMap({ $0 }).first(where: { $0 < 0 || (!classNames.isEmpty && $0 >= classNames.count) }) {
            throw DataError.invalidArgument(name: "InMemoryDataset", detail: "label \(bad) outside the \(classNames.count) classes")
        }
        self.images = images
        self.labels = l
        self.classNames = classNames
        self.names = names ?? images.indices.map { "image-\($0)" }
    }

    /// Decodes every sample of `base` once, on `threads` threads; the first unreadable image throws.
    public init(loading base: any Dataset, threads: Int = 2) throws {
        let n = base.count
        var slots = [Result<Image, DataError>?](repeating: nil, count: n)
        let chunks = max(1, min(threads, n))
        slots.withUnsafeMutableBufferPointer { out in
            let o = out
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in (n * c / chunks)..<(n * (c + 1) / chunks) {
                    do { o[i] = .success(try base.image(at: i)) } catch let e as DataError {
                        o[i] = .failure(e)
                    } catch {
                        o[i] = .failure(.corruptImage(path: base.name(at: i), reason: "\(error)"))
                    }
                }
            }
        }
        var images: [Image] = []
        images.reserveCapacity(n)
        for s in slots {
            switch s! {
            case let .success(img): images.append(img)
            case let .failure(e): throw e
            }
        }
        try self.init(images: images, labels: (0..<n).map { base.label(at: $0) }, classNames: base.classNames,
                      names: (0..<n).map { base.name(at: $0) })
    }

    public var count: Int { images.count }
    public func label(at index: Int) -> Int? { labels[index] }
    public func name(at index: Int) -> String { names[index] }

    public func image(at index: Int) throws -> Image {
        guard index >= 0, index < count else { throw DataError.indexOutOfRange(index: index, count: count) }
        return images[index]
    }
}
