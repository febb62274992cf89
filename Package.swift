// swift-tools-version:6.0
import PackageDescription

// Release builds of the numeric code drop overflow and bounds checks: every hot loop runs over
// unsafe buffer pointers whose extents are checked once, outside the loop.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"], .when(configuration: .release))
]

let package = Package(
    name: "lwm",
    products: [
        .executable(name: "lwm", targets: ["lwm"]),
        .library(name: "LwMCore", targets: ["LwMCore"]),
    ],
    targets: [
        // C libraries from Debian, reached through module maps and a shim header each.
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        // JPEG and PNG through libjpeg and libpng, in C so that their longjmp on bad data
        // never crosses a Swift frame.
        .target(name: "CImageDecode", dependencies: ["CPNG", "CJPEG"]),

        // Tensors, layers, networks, the LwM losses, SGD and safetensors.
        .target(
            name: "LwMCore", dependencies: ["CBLAS"], exclude: ["README.md"],
            swiftSettings: fastMath),
        // Dataset readers, image decoding and augmentation, normalisation and class-incremental
        // splits.
        .target(
            name: "LwMData", dependencies: ["LwMCore", "CZlib", "CImageDecode"],
            exclude: ["README.md"],
            swiftSettings: fastMath),
        // The MPI communicator: one checked wrapper around every MPI call.
        .target(name: "LwMDistributed", dependencies: ["CMPI"], exclude: ["README.md"]),
        // Pictures: PNG files, attention maps over images, accuracy plots as SVG.
        .target(
            name: "LwMVisualization", dependencies: ["LwMCore", "LwMData", "CPNG"],
            exclude: ["README.md"]),
        // The class-incremental training loop, evaluation, metrics and checkpoints.
        .target(
            name: "LwMTraining",
            dependencies: ["LwMCore", "LwMData", "LwMDistributed", "LwMVisualization"],
            exclude: ["README.md"], swiftSettings: fastMath),
        // The command line: train, gradcam, plot, compare, selftest, bench.
        .executableTarget(name: "lwm", dependencies: ["LwMTraining"]),

        .testTarget(name: "LwMCoreTests", dependencies: ["LwMCore"]),
        .testTarget(name: "LwMDataTests", dependencies: ["LwMData"]),
        .testTarget(name: "LwMDistributedTests", dependencies: ["LwMDistributed"]),
        .testTarget(name: "LwMVisualizationTests", dependencies: ["LwMVisualization"]),
        .testTarget(
            name: "LwMTrainingTests",
            dependencies: ["LwMTraining", "LwMCore", "LwMData", "LwMDistributed"],
            resources: []),
    ]
)
