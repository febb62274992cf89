import Foundation
import LwMCore

/// What an image-folder load will decode, worked out from the file names alone: the classes,
/// the files of each split, the problems visible before decoding, and the cache key's text.
/// The layouts and rules are those described on `ImageFolder`.
struct ImageFolderPlan {
    /// One image to decode: its absolute path and class id.
    struct Entry: Equatable {
        let path: String
        let label: Int
    }

    let classNames: [String]
    private(set) var train: [Entry] = []
    private(set) var test: [Entry] = []
    /// Empty class folders and listed paths outside every class folder.
    private(set) var badImages: [BadImage] = []
    /// Everything the decoded datasets depend on besides the image size, as text.
    private(set) var keyText = ""

    /// - Throws: `DataError` when only one list is given, a list cannot be read,
    ///   `testFraction` is outside 0...1, or there is no class folder.
    init(root: URL, options: DatasetOptions, excluded: Set<String>) throws {
        let rootPath = root.path
        guard (0...1).contains(options.testFraction) else {
            throw DataError(
                """
                The test fraction \(options.testFraction) for \(rootPath) is not between 0 and \
                1; give the share of each class to hold out for testing, such as 0.2.
                """)
        }

        switch (options.trainList, options.testList) {
        case (let trainList?, let testList?):
            classNames = try Self.classFolders(in: rootPath, excluded: excluded)
            keyText = "root \(rootPath)\nexcluded \(excluded.sorted())\n"
            let listing = listClasses(bases: [rootPath]).text
            for (list, split) in [(trainList, Split.train), (testList, .test)] {
                let text = try Self.read(list: list)
                keyText += "\(split.rawValue) list \(list.standardizedFileURL.path)\n\(text)\n"
                addListed(text, list: list, split: split, root: rootPath, excluded: excluded)
            }
            keyText += listing

        case (nil, nil):
            if let testFolder = Self.splitFolders(root: rootPath) {
                let trainFolder = rootPath + "/" + ImageFolder.trainFolderName
                classNames = Array(
                    Set(
                        try Self.classFolders(in: trainFolder, excluded: excluded)
                            + Self.classFolders(in: testFolder, excluded: excluded))
                ).sorted()
                keyText = "root \(rootPath)\nsplit folders \(testFolder)\n"
                keyText += "excluded \(excluded.sorted())\n"
                let listing = listClasses(bases: [trainFolder, testFolder])
                keyText += listing.text
                for (base, label, files) in listing.classes {
                    let entries = files.map { Entry(path: base + "/" + $0, label: label) }
                    if base == trainFolder { train += entries } else { test += entries }
                }
            } else {
                classNames = try Self.classFolders(in: rootPath, excluded: excluded)
                keyText = "root \(rootPath)\nhold-out \(options.testFraction) "
                keyText += "seed \(options.splitSeed)\nexcluded \(excluded.sorted())\n"
                let listing = listClasses(bases: [rootPath])
                keyText += listing.text
                for (base, label, files) in listing.classes {
                    holdOut(
                        files, base: base, label: label, fraction: options.testFraction,
                        seed: options.splitSeed)
                }
            }

        default:
            throw DataError(
                """
                Only one split list was given for \(rootPath) (\
                \((options.trainList ?? options.testList)!.path)); give both a training and a \
                test list, or neither to split the folder another way.
                """)
        }
        guard !classNames.isEmpty else {
            throw DataError(
                """
                \(rootPath) holds no class folders; put each class's images in a sub-folder \
                named after the class.
                """)
        }
    }

    // MARK: - Listing

    /// Lists the files of every class folder under each of `bases` (a class missing from a
    /// base is skipped) and reports the empty ones.
    ///
    /// - Returns: the listing's text for the cache key, one line per file with its size and
    ///   modification time, and each class folder's files relative to its base.
    private mutating func listClasses(
        bases: [String]
    ) -> (text: String, classes: [(base: String, label: Int, files: [String])]) {
        var text = ""
        var classes: [(base: String, label: Int, files: [String])] = []
        for base in bases {
            for (label, name) in classNames.enumerated() {
                let folder = base + "/" + name
                guard FileBytes.isDirectory(folder) else { continue }
                let files = Self.files(in: folder).map { name + "/" + $0 }
                if files.isEmpty {
                    badImages.append(
                        BadImage(path: folder, reason: "the class folder holds no files"))
                }
                for file in files {
                    text += "\(base)/\(file) \(FileBytes.fingerprint(base + "/" + file))\n"
                }
                classes.append((base, label, files))
            }
        }
        return (text, classes)
    }

    /// The sorted names of the non-hidden sub-folders of `path`, less `excluded`.
    private static func classFolders(in path: String, excluded: Set<String>) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw DataError(
                """
                \(path) cannot be listed: \(error.localizedDescription); check that it exists \
                and is readable.
                """)
        }
        return names.filter {
            !$0.hasPrefix(".") && !excluded.contains($0) && FileBytes.isDirectory(path + "/" + $0)
        }.sorted()
    }

    /// The paths, relative to `folder` and sorted, of every non-hidden entry that is not a
    /// directory, in `folder` and its sub-folders (not following links to folders).
    static func files(in folder: String) -> [String] {
        var found: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let path = relative.isEmpty ? folder : folder + "/" + relative
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for name in names where !name.hasPrefix(".") {
                let child = relative.isEmpty ? name : relative + "/" + name
                if FileBytes.isDirectory(folder + "/" + child, followingLinks: false) {
                    pending.append(child)
                } else {
                    found.append(child)
                }
            }
        }
        return found.sorted()
    }

    /// `root/test` or `root/val` when `root/train` and one of them are folders.
    private static func splitFolders(root: String) -> String? {
        guard FileBytes.isDirectory(root + "/" + ImageFolder.trainFolderName) else { return nil }
        return ImageFolder.testFolderNames.lazy.map { root + "/" + $0 }
            .first { FileBytes.isDirectory($0) }
    }

    // MARK: - Splits

    /// Adds the entries of a split list: each non-blank line a path relative to `root` whose
    /// first component is a class folder.
    private mutating func addListed(
        _ text: String, list: URL, split: Split, root: String, excluded: Set<String>
    ) {
        let labels = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        for line in text.split(whereSeparator: \.isNewline) {
            let relative = line.trimmingCharacters(in: .whitespaces)
            guard !relative.isEmpty else { continue }
            let path = root + "/" + relative
            let folder = relative.split(separator: "/").first.map(String.init) ?? ""
            guard relative.contains("/"), let label = labels[folder] else {
                if excluded.contains(folder) { continue }
                badImages.append(
                    BadImage(
                        path: path,
                        reason: "\(list.path) lists it, but \(folder) is not a class folder"))
                continue
            }
            let entry = Entry(path: path, label: label)
            if split == .train { train.append(entry) } else { test.append(entry) }
        }
    }

    /// Splits one class's sorted files by the seeded hold-out.
    private mutating func holdOut(
        _ files: [String], base: String, label: Int, fraction: Double, seed: UInt64
    ) {
        let count = files.count
        let testCount = count < 2 ? 0 : min(Int((Double(count) * fraction).rounded()), count - 1)
        let name = classNames[label]
        var generator = SeededGenerator(
            seed: seed, stream: [0x5B117, DatasetCache.fnv1a(Array(name.utf8))])
        var order = Array(0..<count)
        EpochOrder.shuffle(&order, using: &generator)
        let held = Set(order.prefix(testCount))
        for (index, file) in files.enumerated() {
            let entry = Entry(path: base + "/" + file, label: label)
            if held.contains(index) { test.append(entry) } else { train.append(entry) }
        }
    }

    /// The text of a split list.
    private static func read(list: URL) throws -> String {
        do throws(ImageError) {
            let bytes = try FileBytes.read(list.path)
            return String(decoding: bytes, as: UTF8.self)
        } catch {
            throw DataError(
                """
                The split list \(list.path) cannot be read: \(error.reason); pass a text file \
                with one image path per line, relative to the image folder.
                """)
        }
    }
}
