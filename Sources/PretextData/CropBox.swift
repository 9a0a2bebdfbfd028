/// A crop rectangle in pixels: rows `top ..< top + height`, columns `left ..< left + width`.
public struct CropBox: Equatable, Sendable, CustomStringConvertible {
    public var top: Int
    public var left: Int
    public var height: Int
    public var width: Int

    public init(top: Int, left: Int, height: Int, width: Int) {
        self.top = top
        self.left = left
        self.height = height
        self.width = width
    }

    public var description: String { "CropBox(top: \(top), left: \(left), height: \(height), width: \(width))" }
}
