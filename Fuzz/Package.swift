// swift-tools-version:6.0
// libFuzzer targets for Linkback's parsers of remote data, kept out of the main package so its
// plain build stays untouched. Built and run by `make fuzz` (see FUZZING.md).
import Foundation
import PackageDescription

// The main package's identity is the name of the directory it is checked out in.
let main = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "LinkbackFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "FuzzXMLRPC", dependencies: [.product(name: "LinkbackCore", package: main)]),
        .executableTarget(name: "FuzzHTML", dependencies: [.product(name: "LinkbackCore", package: main)]),
        .executableTarget(name: "FuzzURL", dependencies: [.product(name: "LinkbackCore", package: main)]),
    ]
)
