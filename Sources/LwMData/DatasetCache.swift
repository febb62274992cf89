import CZlib
import Foundation

/// Decoded image-folder datasets saved in one binary file, so that a later load with the same
/// inputs reads bytes instead of decoding thousands of images.
///
/// The file is `<cache directory>/imagefolder-<FNV-1a 64 of the key, 16 hex digits>.lwmcache`,
/// where the key is a text naming everything the decoded datasets depend on (see
/// `ImageFolder`). Layout, little-endian:
///
///     "LWMCACHE"  version: UInt32
///     key FNV-1a 64: UInt64   key CRC-32: UInt32   key length: UInt64
///     payload length: UInt64   payload CRC-32: UInt32
///     payload: image size: UInt32, class count: UInt32, class names (UInt32 length + UTF-8),
///              bad-image count: UInt32, (path, reason) strings,
///              then for train and test: count: UInt64, count labels as UInt32, count·3·S·S
///              pixel bytes
///
/// A file whose magic, version, key or payload check differs, or that is cut short, is
/// ignored, and the load decodes the images and writes the file anew. The file is written to
/// a temporary name and renamed, so ranks loading at once never read half a file.
enum DatasetCache {
    static let magic = Array("LWMCACHE".utf8)
    static let version: UInt32 = 1

    /// The cache file for `key` in `directory`.
    static func file(in directory: URL, key: [UInt8]) -> URL {
        let name = "imagefolder-" + String(format: "%016llx", fnv1a(key)) + ".lwmcache"
        return directory.appendingPathComponent(name)
    }

    /// The datasets and report saved in `url` under `key`, or `nil` when the file is missing,
    /// damaged, of another version or of another key.
    static func read(_ url: URL, key: [UInt8]) -> LoadedDataset? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        var reader = ByteReader([UInt8](data))
        guard reader.bytes(magic.count).map(Array.init) == magic, reader.uint32() == version,
            reader.uint64() == fnv1a(key), reader.uint32() == crc(key),
            reader.uint64() == UInt64(key.count),
            let payloadLength = reader.uint64(), let payloadCRC = reader.uint32(),
            payloadLength == UInt64(reader.remaining),
            crc(reader.rest) == payloadCRC
        else { return nil }

        guard let size = reader.uint32().map(Int.init), size > 0,
            let classCount = reader.uint32().map(Int.init),
            let classNames = reader.strings(classCount),
            let badCount = reader.uint32().map(Int.init),
            let badTexts = reader.strings(2 * badCount),
            let train = reader.dataset(size: size, classNames: classNames),
            let test = reader.dataset(size: size, classNames: classNames),
            reader.remaining == 0
        else { return nil }
        let badImages = stride(from: 0, to: badTexts.count, by: 2).map {
            BadImage(path: badTexts[$0], reason: badTexts[$0 + 1])
        }
        return LoadedDataset(train: train, test: test, badImages: badImages, cache: .loaded(url))
    }

    /// Saves the datasets and report of `loaded` to `url` under `key`.
    ///
    /// - Returns: `.written(url)`, or `.notWritten` with the reason when the directory cannot
    ///   be made or the file cannot be written.
    static func write(_ loaded: LoadedDataset, to url: URL, key: [UInt8]) -> CacheUse {
        var payload = ByteWriter()
        payload.append(UInt32(loaded.train.height))
        payload.append(UInt32(loaded.train.classNames.count))
        loaded.train.classNames.forEach { payload.append($0) }
        payload.append(UInt32(loaded.badImages.count))
        for bad in loaded.badImages {
            payload.append(bad.path)
            payload.append(bad.reason)
        }
        for dataset in [loaded.train, loaded.test] {
            payload.append(UInt64(dataset.count))
            dataset.labels.forEach { payload.append(UInt32($0)) }
            payload.bytes += dataset.pixels
        }

        var file = ByteWriter()
        file.bytes += magic
        file.append(version)
        file.append(fnv1a(key))
        file.append(crc(key))
        file.append(UInt64(key.count))
        file.append(UInt64(payload.bytes.count))
        file.append(crc(payload.bytes[...]))
        file.bytes += payload.bytes
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.bytes).write(to: url, options: .atomic)
            return .written(url)
        } catch {
            return .notWritten(url, reason: error.localizedDescription)
        }
    }

    // MARK: - Checks

    /// FNV-1a, 64 bits: names the file.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// zlib's CRC-32, fed in pieces below zlib's 32-bit length.
    static func crc(_ bytes: some Collection<UInt8>) -> UInt32 {
        let contiguous = ContiguousArray(bytes)
        return contiguous.withUnsafeBufferPointer { buffer in
            var value = crc32(0, nil, 0)
            var offset = 0
            while offset < buffer.count {
                let length = min(1 << 30, buffer.count - offset)
                value = crc32(value, buffer.baseAddress! + offset, uInt(length))
                offset += length
            }
            return UInt32(value)
        }
    }
}

/// Little-endian fields appended to a byte array.
private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append<Value: FixedWidthInteger>(_ value: Value) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    /// A UInt32 byte count, then the UTF-8 bytes.
    mutating func append(_ text: String) {
        let utf8 = Array(text.utf8)
        append(UInt32(utf8.count))
        bytes += utf8
    }
}

/// Little-endian fields read from a byte array; every read returns `nil` past the end.
private struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }
    /// The unread bytes, without consuming them.
    var rest: ArraySlice<UInt8> { bytes[offset...] }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func uint32() -> UInt32? { integer() }
    mutating func uint64() -> UInt64? { integer() }

    private mutating func integer<Value: FixedWidthInteger>() -> Value? {
        guard let field = bytes(MemoryLayout<Value>.size) else { return nil }
        return field.reversed().reduce(0) { $0 << 8 | Value($1) }
    }

    /// `count` strings written by `ByteWriter.append(_: String)`.
    mutating func strings(_ count: Int) -> [String]? {
        var strings: [String] = []
        for _ in 0..<count {
            guard let length = uint32(), let utf8 = bytes(Int(length)) else { return nil }
            strings.append(String(decoding: utf8, as: UTF8.self))
        }
        return strings
    }

    /// One dataset of RGB images of `size`×`size`, its labels checked against the classes.
    mutating func dataset(size: Int, classNames: [String]) -> ImageDataset? {
        guard let count = uint64().map(Int.init), count <= remaining else { return nil }
        var labels: [Int] = []
        labels.reserveCapacity(count)
        for _ in 0..<count {
            guard let label = uint32().map(Int.init), label < classNames.count else { return nil }
            labels.append(label)
        }
        guard let pixels = bytes(count * 3 * size * size) else { return nil }
        return ImageDataset(
            pixels: Array(pixels), labels: labels, channels: 3, height: size, width: size,
            classNames: classNames)
    }
}
