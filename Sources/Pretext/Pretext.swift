// One import for plugins and tools: `import Pretext` brings in every framework module.
@_exported import PretextTensor
@_exported import PretextNN
@_exported import PretextData
@_exported import PretextCore
@_exported import PretextKit
@_exported import PretextRunner
