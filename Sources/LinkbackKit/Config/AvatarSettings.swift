extension Config {
    /// Author photos served from here (`api.avatars: proxy`) rather than from their hosts, and
    /// the limits of their fetch (`avatars.*`).
    public struct Avatars: Sendable, Equatable {
        /// `api.avatars` is `proxy`.
        public var proxy: Bool
        /// The largest photo fetched, in bytes.
        public var maxBytes: Int
        /// The largest photo kept, in pixels (width × height, read from its header).
        public var maxPixels: Int
        /// Where the photos are kept, each under the SHA-256 of its bytes.
        public var directory: String

        public init(proxy: Bool = false, maxBytes: Int = 1_048_576, maxPixels: Int = 16_777_216, directory: String = "var/avatars") {
            (self.proxy, self.maxBytes, self.maxPixels, self.directory) = (proxy, maxBytes, maxPixels, directory)
        }

        init(values: [String: ConfigValue]) {
            self.init()
            if case .string(let mode)? = values["api.avatars"] { proxy = mode == "proxy" }
            if case .int(let bytes)? = values["avatars.max_bytes"] { maxBytes = bytes }
            if case .int(let pixels)? = values["avatars.max_pixels"] { maxPixels = pixels }
            if case .string(let path)? = values["avatars.directory"] { directory = path }
        }
    }
}
