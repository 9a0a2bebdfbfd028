import PretextCore
import PretextData

extension Registry {
    /// Registers a view preset (kind `transform`) that reads the `views` section through `ViewKeys`:
    /// `preset` is understood, and a `DataError` from the transform's initialiser becomes a config
    /// error naming the section. The kit's presets and plugins' own (rotation, jigsaw) use it.
    public func registerViewPreset(_ name: String, summary: String, _ build: @escaping (ViewKeys) throws -> any Transform) throws {
        try registerTransform(name, summary: summary) { c, _ in
            c.accept("preset")
            do {
                return try build(ViewKeys(c))
            } catch let e as DataError {
                throw ConfigError.invalidValue(path: c.path, detail: "\(e)")
            }
        }
    }
}
