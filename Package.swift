// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Linkback",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "linkback", targets: ["linkback"]),
        // A library for the fuzz targets (Fuzz/Package.swift): the parsers of remote data, in the
        // kit, and the mention check's URL parse are its public API. Everything else is
        // `package`, for this package's own targets only.
        .library(name: "LinkbackCore", targets: ["LinkbackKit", "LinkbackCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // Layers held by the compiler (ARCHITECTURE.md): the kit (parsers, model and life-cycle,
        // configuration, fetch, spam guard, verification) knows no store; the store knows no use
        // case; the core's use cases sit on both. Inside the kit, LayeringTests holds the folders.
        .target(
            name: "LinkbackKit",
            dependencies: [
                "CLibXML2",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "LinkbackStore",
            dependencies: [
                "LinkbackKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "LinkbackCore",
            dependencies: [
                "LinkbackKit",
                "LinkbackStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "LinkbackServer",
            dependencies: [
                "LinkbackCore",
                "LinkbackKit",
                "LinkbackStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "linkback",
            dependencies: [
                "LinkbackCore",
                "LinkbackKit",
                "LinkbackStore",
                "LinkbackServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "LinkbackTestSupport",
            dependencies: [
                "LinkbackCore",
                "LinkbackKit",
                "LinkbackStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Tests/LinkbackTestSupport"
        ),
        // The pure core and the stores: `make check` runs it (with the SQLite store only).
        .testTarget(
            name: "LinkbackCoreTests",
            dependencies: [
                "LinkbackCore",
                "LinkbackKit",
                "LinkbackStore",
                "LinkbackTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Fixtures"]
        ),
        // In-process: the routers through HummingbirdTesting, no socket and no server process.
        .testTarget(
            name: "LinkbackServerTests",
            dependencies: [
                "LinkbackCore",
                "LinkbackKit",
                "LinkbackStore",
                "LinkbackServer",
                "LinkbackTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The real `linkback` process over loopback, with the real peers (nginx, Apache, fail2ban,
        // PostgreSQL, Chromium, Python's clients): `make test` only.
        .testTarget(
            name: "LinkbackEndToEndTests",
            dependencies: [
                "LinkbackCore",
                "LinkbackKit",
                "LinkbackStore",
                "LinkbackServer",
                "LinkbackTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["Fixtures", "Scripts"]
        ),
    ]
)
