// swift-tools-version:6.0
import PackageDescription

/// chemflow: DFT-labelled datasets, graph networks and active-learning discovery.
/// Module layout follows docs/architecture.md: C libraries behind `.systemLibrary`
/// shims at the bottom, science in library modules, a thin CLI on top.
let package = Package(
    name: "chemflow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "chemflow", targets: ["chemflow"]),
        .library(name: "GaussianDFT", targets: ["GaussianDFT"]),
        .library(name: "PlaneWaveDFT", targets: ["PlaneWaveDFT"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Campaign configurations (pipelines/*.yaml).
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CLibXC", pkgConfig: "libxc", providers: [.apt(["libxc-dev"])]),
        .systemLibrary(name: "CLapack", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSpglib", providers: [.apt(["libsymspg-dev"])]),
        .target(name: "ChemistryCore"),
        .target(name: "LinearAlgebra", dependencies: ["CLapack"]),
        .target(name: "ExchangeCorrelation", dependencies: ["CLibXC"]),
        .target(
            name: "GaussianDFT",
            dependencies: ["ChemistryCore", "LinearAlgebra", "ExchangeCorrelation"],
            resources: [.copy("Resources")],
            // The ERI engine keeps its scratch buffers in stored properties of one class and reads
            // them in its innermost loops; run-time exclusivity checks on those accesses were 4–5 %
            // of building the ERI tensor. Static exclusivity checking stays on.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .target(
            name: "PlaneWaveDFT",
            dependencies: ["ChemistryCore", "LinearAlgebra", "ExchangeCorrelation", "CFFTW", "CSpglib"],
            resources: [.copy("Resources")]
        ),
        .target(name: "Datasets", dependencies: ["ChemistryCore", "CHDF5"]),
        .target(name: "GraphNetworks", dependencies: ["ChemistryCore", "LinearAlgebra"]),
        .target(name: "Training", dependencies: ["ChemistryCore", "GraphNetworks", "Datasets", "CHDF5"]),
        .target(name: "DatasetGeneration", dependencies: ["ChemistryCore", "LinearAlgebra", "GaussianDFT", "Datasets"]),
        // GNoME-style active learning: prototypes, substitutions, random search, convex hull, campaigns.
        .target(
            name: "Discovery",
            dependencies: ["ChemistryCore", "LinearAlgebra", "PlaneWaveDFT", "GraphNetworks", "Datasets", "Training",
                           "DatasetGeneration", "CSpglib", "CHDF5", .product(name: "Yams", package: "Yams")]
        ),
        // Networks that predict a Kohn-Sham Hamiltonian, trained with the DFT energy as the loss.
        .target(name: "HamiltonianLearning", dependencies: ["ChemistryCore", "LinearAlgebra", "GaussianDFT", "GraphNetworks", "Datasets"]),
        .executableTarget(
            name: "chemflow",
            dependencies: [
                "ChemistryCore", "GaussianDFT", "PlaneWaveDFT", "Datasets", "GraphNetworks", "DatasetGeneration", "Training",
                "Discovery", "HamiltonianLearning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Starting and reaping child processes for the tests that run executables (not shipped).
        .target(name: "TestSupport", path: "Tests/Support"),
        .testTarget(name: "ChemistryCoreTests", dependencies: ["ChemistryCore"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "ExchangeCorrelationTests", dependencies: ["ExchangeCorrelation"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "ChemistryCore", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "GraphNetworks", "Datasets", "ChemistryCore"]),
        .testTarget(name: "DatasetGenerationTests", dependencies: ["DatasetGeneration", "Datasets", "ChemistryCore"]),
        .testTarget(name: "GraphNetworksTests", dependencies: ["GraphNetworks", "ChemistryCore", "LinearAlgebra"]),
        .testTarget(
            name: "PlaneWaveDFTTests",
            dependencies: ["PlaneWaveDFT", "ChemistryCore", "LinearAlgebra"],
            resources: [.copy("Reference")]
        ),
        .testTarget(
            name: "GaussianDFTTests",
            dependencies: ["GaussianDFT", "ChemistryCore", "LinearAlgebra"],
            resources: [.copy("Reference")]
        ),
        .testTarget(
            name: "DiscoveryTests",
            dependencies: ["Discovery", "ChemistryCore", "PlaneWaveDFT", "GraphNetworks"],
            exclude: ["Reference"]
        ),
        .testTarget(
            name: "HamiltonianLearningTests",
            dependencies: ["HamiltonianLearning", "GaussianDFT", "ChemistryCore", "LinearAlgebra"]
        ),
        .testTarget(name: "ChemflowCLITests", dependencies: ["chemflow", "Datasets", "ChemistryCore", "TestSupport"]),
    ]
)
